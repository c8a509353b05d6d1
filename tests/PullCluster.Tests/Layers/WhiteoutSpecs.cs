using PullCluster.Core.Layers;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Layers;

public sealed class WhiteoutSpecs : IDisposable
{
    private readonly ScratchDir _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static byte[] Deletions() => new LayerTar()
        .Dir("etc/", "755")
        .Whiteout("etc/.wh.motd")
        .Dir("var/cache/", "755")
        .Whiteout("var/cache/.wh..wh..opq")
        .File("var/cache/fresh", "kept: same layer as the opaque marker")
        .Whiteout(".wh.opt")
        .Whiteout("lib/.wh.gone")
        .ToArray();

    [Fact]
    public void Overlay_style_records_deletions_as_0_0_devices_and_opaque_dirs_as_xattrs()
    {
        var dir = _scratch.Sub("diff");
        Unpack.Tar(Deletions(), dir, Unpack.Overlay);
        var tree = FileTree.Capture(dir);

        Assert.Equal(("char", 0u, 0u), (tree["etc/motd"].Type, tree["etc/motd"].DevMajor, tree["etc/motd"].DevMinor));
        Assert.Equal("char", tree["opt"].Type);
        Assert.Equal("char", tree["lib/gone"].Type);
        Assert.Equal("y"u8.ToArray(), Posix.GetXattr(RawPath.FromString(Path.Combine(dir, "var/cache")), "trusted.overlay.opaque"u8));
        Assert.Null(Posix.GetXattr(RawPath.FromString(Path.Combine(dir, "var")), "trusted.overlay.opaque"u8));
        Assert.Equal("file", tree["var/cache/fresh"].Type);
        Assert.DoesNotContain(tree.Nodes.Keys, k => k.Contains(".wh."));
    }

    [Fact]
    public void Aufs_style_keeps_the_markers_as_the_tar_has_them()
    {
        var dir = _scratch.Sub("diff");
        Unpack.Tar(Deletions(), dir, Unpack.Aufs);
        var tree = FileTree.Capture(dir);

        Assert.Equal(
            new[] { ".wh.opt", "etc", "etc/.wh.motd", "lib", "lib/.wh.gone", "var", "var/cache", "var/cache/.wh..wh..opq", "var/cache/fresh" },
            tree.Nodes.Keys);
        Assert.Equal(("file", 0x180u), (tree["etc/.wh.motd"].Type, tree["etc/.wh.motd"].Mode));
        Assert.Null(Posix.GetXattr(RawPath.FromString(Path.Combine(dir, "var/cache")), "trusted.overlay.opaque"u8));
    }

    [Fact]
    public void Overlay_style_drops_other_aufs_metadata()
    {
        var tar = new LayerTar()
            .Dir(".wh..wh.plnk/", "700")
            .File(".wh..wh.plnk/123.456", "aufs hardlink store")
            .File("kept", "x")
            .ToArray();
        var dir = _scratch.Sub("diff");
        Unpack.Tar(tar, dir, Unpack.Overlay);

        Assert.Equal(new[] { "kept" }, FileTree.Capture(dir).Nodes.Keys);
    }

    [Fact]
    public void Overlay_style_never_lets_a_whiteout_delete_what_the_same_layer_has()
    {
        // Whiteouts apply to lower layers only: a file stays as is, a directory stays and turns opaque.
        var tar = new LayerTar()
            .File("a/victim", "x").Whiteout("a/.wh.victim")
            .File("b/dir/kept", "k").Whiteout("b/.wh.dir")
            .ToArray();
        var dir = _scratch.Sub("diff");
        Unpack.Tar(tar, dir, Unpack.Overlay);
        var tree = FileTree.Capture(dir);

        Assert.Equal("file", tree["a/victim"].Type);
        Assert.Equal("file", tree["b/dir/kept"].Type);
        Assert.Equal("y"u8.ToArray(), Posix.GetXattr(RawPath.FromString(Path.Combine(dir, "b/dir")), "trusted.overlay.opaque"u8));
    }

    [Fact]
    public void Overlay_style_turns_a_deleted_path_recreated_as_a_directory_into_an_opaque_one()
    {
        var tar = new LayerTar()
            .Whiteout("etc/.wh.conf").File("etc/conf/new", "n")
            .Whiteout("var/.wh.lib").Dir("var/lib/", "700")
            .Whiteout(".wh.opt").File("opt", "a file now")
            .ToArray();
        var dir = _scratch.Sub("diff");
        Unpack.Tar(tar, dir, Unpack.Overlay);
        var tree = FileTree.Capture(dir);

        foreach (var opaque in new[] { "etc/conf", "var/lib" })
        {
            Assert.Equal("dir", tree[opaque].Type);
            Assert.Equal("y"u8.ToArray(), Posix.GetXattr(RawPath.FromString(Path.Combine(dir, opaque)), "trusted.overlay.opaque"u8));
        }
        Assert.Equal(0x1c0u, tree["var/lib"].Mode);
        Assert.Equal("file", tree["opt"].Type);
    }

    [Theory]
    [InlineData(".wh.")]
    [InlineData("d/.wh..")]
    [InlineData("d/.wh...")]
    public void Refuses_malformed_whiteouts_in_either_style(string name)
    {
        var tar = new LayerTar().Whiteout(name).ToArray();
        foreach (var options in new[] { Unpack.Overlay, Unpack.Aufs })
        {
            var ex = Assert.Throws<LayerFormatException>(() => Unpack.Tar(tar, _scratch.Sub($"diff-{options.Whiteouts}")));
            Assert.Contains($"'{name}'", ex.Message);
            Assert.Contains("whiteout", ex.Message);
        }
    }
}
