using System.Formats.Tar;
using PullCluster.Core.Layers;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Layers;

public sealed class FlattenSpecs : IDisposable
{
    private readonly ScratchDir _scratch = new();

    public void Dispose() => _scratch.Dispose();

    public static TheoryData<WhiteoutStyle> Styles => new() { WhiteoutStyle.Overlay, WhiteoutStyle.Aufs };

    private static LayerApplyOptions For(WhiteoutStyle style) => style == WhiteoutStyle.Overlay ? Unpack.Overlay : Unpack.Aufs;

    private FileTree Flatten(WhiteoutStyle style, params byte[][] tars) => FileTree.Capture(FlattenToDir(style, tars));

    private static string Content(FileTree tree, string path) => tree[path].Sha256!;

    private static string Hash(string text) => Blob.Hex(System.Text.Encoding.UTF8.GetBytes(text));

    [Theory]
    [MemberData(nameof(Styles))]
    public void Later_layers_override_and_whiteouts_delete(WhiteoutStyle style)
    {
        var lower = new LayerTar()
            .File("a/file1", "one").File("a/file2", "two")
            .File("b/dir/x", "x")
            .File("c", "c was a file")
            .File("d/y", "d was a directory")
            .File("e", "old e")
            .ToArray();
        var upper = new LayerTar(TarEntryFormat.Gnu)
            .Whiteout("a/.wh.file1")
            .Whiteout(".wh.b")
            .File("c/z", "c is a directory now")
            .File("d", "d is a file now")
            .File("e", "new e", "600")
            .ToArray();

        var tree = Flatten(style, lower, upper);

        Assert.Equal(new[] { "a", "a/file2", "c", "c/z", "d", "e" }, tree.Nodes.Keys);
        Assert.Equal(Hash("new e"), Content(tree, "e"));
        Assert.Equal(0x180u, tree["e"].Mode);
        Assert.Equal("file", tree["d"].Type);
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public void Opaque_directories_hide_lower_content_but_keep_their_own(WhiteoutStyle style)
    {
        var lower = new LayerTar()
            .File("var/cache/old1", "1").File("var/cache/sub/old2", "2")
            .File("var/keep", "outside the opaque dir")
            .ToArray();
        var upper = new LayerTar()
            .Dir("var/cache/", "700")
            .Whiteout("var/cache/.wh..wh..opq")
            .File("var/cache/new", "new")
            .ToArray();
        var top = new LayerTar().File("var/cache/newer", "from a layer above the opaque one").ToArray();

        var tree = Flatten(style, lower, upper, top);

        Assert.Equal(new[] { "var", "var/cache", "var/cache/new", "var/cache/newer", "var/keep" }, tree.Nodes.Keys);
        Assert.Equal(0x1c0u, tree["var/cache"].Mode);
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public void A_whiteout_hides_only_lower_layers_so_the_same_layer_can_recreate_the_path(WhiteoutStyle style)
    {
        var lower = new LayerTar().File("etc/conf/a", "a").File("etc/conf/b", "b").ToArray();
        var upper = new LayerTar().Whiteout("etc/.wh.conf").File("etc/conf/c", "c").ToArray();

        var tree = Flatten(style, lower, upper);

        Assert.Equal(new[] { "etc", "etc/conf", "etc/conf/c" }, tree.Nodes.Keys);
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public void Hardlinks_within_a_layer_stay_hardlinks_and_every_file_is_a_copy(WhiteoutStyle style)
    {
        var lower = new LayerTar()
            .File("bin/tool", "v1", "755").Hardlink("bin/tool-alias", "bin/tool", "755").Hardlink("sbin/tool", "bin/tool", "755")
            .File("lib/pair-a", "pair").Hardlink("lib/pair-b", "lib/pair-a")
            .ToArray();
        var upper = new LayerTar().File("lib/pair-a", "changed above").ToArray();
        var name = $"{style}-links";
        var l0 = _scratch.Sub($"{name}/l0");
        var l1 = _scratch.Sub($"{name}/l1");
        Unpack.Tar(lower, l0, For(style));
        Unpack.Tar(upper, l1, For(style));
        var rootfs = _scratch.Sub($"{name}/rootfs");

        RootfsBuilder.Flatten([l0, l1], rootfs, For(style), CancellationToken.None);
        var tree = FileTree.Capture(rootfs);

        Assert.Equal(new[] { "bin/tool = bin/tool-alias = sbin/tool" }, tree.HardlinkGroups);
        Assert.Equal(Hash("pair"), Content(tree, "lib/pair-b"));
        Assert.Equal(Hash("changed above"), Content(tree, "lib/pair-a"));
        var inLayer = Posix.Lstat(RawPath.FromString(Path.Combine(l0, "bin/tool")));
        var inRootfs = Posix.Lstat(RawPath.FromString(Path.Combine(rootfs, "bin/tool")));
        Assert.NotEqual(inLayer.Ino, inRootfs.Ino);
        Assert.Equal(3u, inLayer.NLink);
        Assert.Equal(3u, inRootfs.NLink);
    }

    [Fact]
    public void An_upper_directory_replaces_the_lower_ones_metadata_and_xattrs()
    {
        var then = DateTimeOffset.FromUnixTimeSeconds(1_111_111_111);
        var lower = new LayerTar()
            .Dir("srv/", "755", 0, 0, xattrs: new Dictionary<string, string> { ["user.lower"] = "1", ["user.both"] = "lower" })
            .File("srv/data", "d")
            .ToArray();
        var upper = new LayerTar()
            .Dir("srv/", "2750", 33, 33, then, new Dictionary<string, string> { ["user.both"] = "upper", ["user.upper"] = "2" })
            .ToArray();

        var rootfs = FlattenToDir(WhiteoutStyle.Overlay, lower, upper);
        var tree = FileTree.Capture(rootfs);

        Assert.Equal((LayerTar.Oct("2750"), 33u, 33u), ((int)tree["srv"].Mode, tree["srv"].Uid, tree["srv"].Gid));
        Assert.Equal(new Dictionary<string, string> { ["user.both"] = "\"upper\"", ["user.upper"] = "\"2\"" }, tree["srv"].Xattrs);
        Assert.Equal(then.UtcDateTime, Directory.GetLastWriteTimeUtc(Path.Combine(rootfs, "srv")));
        Assert.Contains("srv/data", tree.Nodes.Keys);
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public void One_layer_flattens_to_an_identical_tree(WhiteoutStyle style)
    {
        var tar = new LayerTar()
            .Dir("etc/", "755", mtime: DateTimeOffset.FromUnixTimeSeconds(1_000_000_000))
            .File("etc/shadow", "secret", "640", 0, 42, xattrs: new Dictionary<string, string> { ["user.a"] = "b" })
            .File("usr/bin/su", "su", "4755")
            .File("usr/bin/wall", "w", "2755", 0, 5)
            .Dir("tmp/", "1777")
            .Symlink("bin", "usr/bin")
            .Symlink("usr/lib64", "/" + new string('l', 200))
            .Fifo("run/fifo", "600", 7, 7)
            .CharDevice("dev/console", 5, 1, "600")
            .BlockDevice("dev/sda", 8, 0)
            .File("a/" + new string('n', 250) + "/" + new string('m', 200), "long")
            .ToArray();
        var diff = _scratch.Sub($"{style}-one/diff");
        Unpack.Tar(tar, diff, For(style));
        var rootfs = _scratch.Sub($"{style}-one/rootfs");

        RootfsBuilder.Flatten([diff], rootfs, For(style), CancellationToken.None);

        Assert.Empty(FileTree.Diff(FileTree.Capture(diff), FileTree.Capture(rootfs)));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_000_000_000).UtcDateTime, Directory.GetLastWriteTimeUtc(Path.Combine(rootfs, "etc")));
    }

    [Fact]
    public void Overlay_and_aufs_diffs_flatten_to_the_same_tree()
    {
        var tars = RichImage.Layers(_scratch.Sub("rich"));

        Assert.Empty(FileTree.Diff(Flatten(WhiteoutStyle.Aufs, tars), Flatten(WhiteoutStyle.Overlay, tars)));
    }

    [Fact]
    public void Refuses_a_target_that_is_not_empty()
    {
        var layer = _scratch.Sub("layer");
        var rootfs = _scratch.Sub("rootfs");
        File.WriteAllText(Path.Combine(rootfs, "stale"), "x");

        var ex = Assert.Throws<IOException>(() => RootfsBuilder.Flatten([layer], rootfs, Unpack.Aufs, CancellationToken.None));
        Assert.Contains("not empty", ex.Message);
    }

    [Fact]
    public void Refuses_a_missing_layer_directory()
    {
        var missing = Path.Combine(_scratch.Path, "no-such-layer");

        var ex = Assert.Throws<DirectoryNotFoundException>(() =>
            RootfsBuilder.Flatten([missing], _scratch.Sub("rootfs"), Unpack.Aufs, CancellationToken.None));
        Assert.Contains(missing, ex.Message);
    }

    private string FlattenToDir(WhiteoutStyle style, params byte[][] tars)
    {
        var name = $"{style}-{Guid.NewGuid():N}";
        var dirs = Unpack.Layers(tars, _scratch.Sub(name), For(style));
        var rootfs = _scratch.Sub($"{name}/rootfs");
        RootfsBuilder.Flatten(dirs, rootfs, For(style), CancellationToken.None);
        // Every case here also checks the streamed flattening (what the CLI receives) against the copied one.
        var tar = new MemoryStream();
        RootfsTar.Write(dirs, tar, CancellationToken.None);
        var streamed = _scratch.Sub($"{name}/streamed");
        TreeExtractor.Extract(new MemoryStream(tar.ToArray()), streamed, For(style), CancellationToken.None);
        Assert.Empty(FileTree.Diff(FileTree.Capture(rootfs), FileTree.Capture(streamed)));
        return rootfs;
    }
}
