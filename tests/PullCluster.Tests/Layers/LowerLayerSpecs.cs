using PullCluster.Core.Layers;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Layers;

/// <summary>
/// Entries that only mean something against the layers below them (a path under a lower symlink, a whiteout or an
/// opaque directory there, a hardlink to a lower file) flatten as docker, containerd and umoci flatten them, and the
/// diffs stack under overlayfs to the same tree. umoci is the oracle.
/// </summary>
public sealed class LowerLayerSpecs : IDisposable
{
    private readonly ScratchDir _scratch = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>A merged-/usr base with symlinks of every shape, and two layers that write, delete and link through them.</summary>
    public static List<byte[]> Image() =>
    [
        new LayerTar()
            .Dir("usr/").Dir("usr/lib/", "750", 3, 4).File("usr/lib/a.txt", "a").Dir("usr/lib/sub/").File("usr/lib/sub/x", "x")
            .Dir("usr/bin/").File("usr/bin/tool", "tool", "755")
            .Dir("usr/share/").Dir("usr/real/").Dir("opt/").File("opt/x", "opt")
            .Symlink("lib", "usr/lib")
            .Symlink("lib64", "lib")
            .Symlink("etc2", "/usr/share/etc2")
            .Symlink("a", "b")
            .Symlink("b", "usr/real")
            .Symlink("up", "../../../../usr/lib")
            .Symlink("escape", "/tmp")
            .ToArray(),
        new LayerTar()
            .File("lib/b.txt", "b")
            .Whiteout("lib/sub/.wh..wh..opq")
            .File("lib/sub/y", "y")
            .Hardlink("usr/bin/tool2", "usr/bin/tool", "755")
            .Hardlink("bin/a", "lib/a.txt")
            .File("etc2/conf", "conf")
            .File("a/f", "through two links")
            .File("up/z", "clamped at the root")
            .File("escape/x", "kept inside")
            .File("lib64/c64", "through a chain")
            .Symlink("opt", "usr")
            .ToArray(),
        new LayerTar()
            .Whiteout("lib/.wh.b.txt")
            .Dir("a/")
            .File("a/g", "a directory replaces the symlink")
            .ToArray(),
    ];

    private FileTree Umoci(IReadOnlyList<byte[]> tars)
    {
        var layout = _scratch.Sub("layout");
        OciLayout.Write(layout, "lower", tars);
        var bundle = Path.Combine(_scratch.Path, "bundle");
        Run.Tool("umoci", "unpack", "--image", $"{layout}:lower", bundle);
        return FileTree.Capture(Path.Combine(bundle, "rootfs"));
    }

    /// <summary>Unpacks and flattens as the node does, asserts the tree equals umoci's and returns it.</summary>
    private FileTree FlattenLikeUmoci(IReadOnlyList<byte[]> tars, WhiteoutStyle style)
    {
        var options = style == WhiteoutStyle.Overlay ? Unpack.Overlay : Unpack.Aufs;
        var diffs = Unpack.Layers(tars, _scratch.Sub("diffs"), options);
        var rootfs = _scratch.Sub("rootfs");
        RootfsBuilder.Flatten(diffs, rootfs, options, CancellationToken.None);
        var tree = FileTree.Capture(rootfs);
        Assert.Empty(FileTree.Diff(Umoci(tars), tree));
        return tree;
    }

    [Theory]
    [InlineData(WhiteoutStyle.Overlay)]
    [InlineData(WhiteoutStyle.Aufs)]
    public void Flattened_diffs_match_umoci_unpack(WhiteoutStyle style)
    {
        var tree = FlattenLikeUmoci(Image(), style);

        Assert.Equal(("symlink", "usr/lib"), (tree["lib"].Type, tree["lib"].LinkTarget));
        Assert.Equal("file", tree["tmp/x"].Type);
    }

    [Theory]
    [InlineData(WhiteoutStyle.Overlay)]
    [InlineData(WhiteoutStyle.Aufs)]
    public void An_opaque_marker_right_below_a_lower_symlink_empties_where_it_leads(WhiteoutStyle style)
    {
        byte[][] tars =
        [
            new LayerTar().Dir("usr/").Dir("usr/lib/", "750", 3, 4).File("usr/lib/old", "old").Symlink("lib", "usr/lib").ToArray(),
            new LayerTar().Whiteout("lib/.wh..wh..opq").File("lib/new", "new").ToArray(),
        ];
        var tree = FlattenLikeUmoci(tars, style);

        Assert.Equal(["usr/lib/new"], tree.Nodes.Keys.Where(k => k.StartsWith("usr/lib/")));
        Assert.Equal((LayerTar.Oct("750"), 3u), ((int)tree["usr/lib"].Mode, tree["usr/lib"].Uid));
    }

    [Fact]
    public void Diffs_stacked_by_overlayfs_match_umoci_unpack()
    {
        var tars = Image();
        var diffs = Unpack.Layers(tars, _scratch.Sub("diffs"), Unpack.Overlay);
        var merged = _scratch.Sub("merged");
        Run.Tool("mount", "-t", "overlay", "overlay", "-o", $"lowerdir={string.Join(':', Enumerable.Reverse(diffs))}", merged);
        try
        {
            Assert.Empty(FileTree.Diff(Umoci(tars), FileTree.Capture(merged)));
        }
        finally
        {
            Run.Tool("umount", merged);
        }
    }

    [Fact]
    public void A_layer_records_a_change_under_a_lower_symlink_where_the_symlink_leads()
    {
        var diffs = Unpack.Layers(Image().Take(2), _scratch.Sub("diffs"), Unpack.Overlay);
        var upper = FileTree.Capture(diffs[1]);

        Assert.False(upper.Nodes.ContainsKey("lib"));
        Assert.Equal("file", upper["usr/lib/b.txt"].Type);
        Assert.Equal("file", upper["usr/real/f"].Type);
        Assert.Equal("file", upper["usr/share/etc2/conf"].Type);
        Assert.Equal("file", upper["tmp/x"].Type);
        // The directory the layer only implied takes the metadata of the one it now stands over.
        Assert.Equal((LayerTar.Oct("750"), 3u, 4u), ((int)upper["usr/lib"].Mode, upper["usr/lib"].Uid, upper["usr/lib"].Gid));
        Assert.Equal("y", Posix.GetXattr(RawPath.FromString(Path.Combine(diffs[1], "usr/lib/sub")), Whiteout.OverlayOpaqueXattr) is { } v
            ? System.Text.Encoding.ASCII.GetString(v) : null);
    }

    [Fact]
    public void A_hardlink_to_a_lower_file_links_to_a_copy_of_it_in_its_own_layer()
    {
        var diffs = Unpack.Layers(Image().Take(2), _scratch.Sub("diffs"), Unpack.Overlay);
        var upper = FileTree.Capture(diffs[1]);

        Assert.Contains(upper.HardlinkGroups, g => g.Contains("usr/bin/tool") && g.Contains("usr/bin/tool2"));
        Assert.Contains(upper.HardlinkGroups, g => g.Contains("bin/a") && g.Contains("usr/lib/a.txt"));
        Assert.Equal(LayerTar.Oct("755"), (int)upper["usr/bin/tool"].Mode);
        Assert.Equal("tool", File.ReadAllText(Path.Combine(diffs[1], "usr/bin/tool2")));
    }

    [Fact]
    public void The_same_rebase_happens_at_unpack_when_the_parents_are_already_there()
    {
        var tars = Image();
        var atCommit = Unpack.Layers(tars, _scratch.Sub("commit"), Unpack.Overlay);
        var atUnpack = new List<string>();
        foreach (var tar in tars)
        {
            var dir = _scratch.Sub($"unpack{atUnpack.Count}");
            Unpack.Tar(tar, dir, Unpack.Overlay with { ParentLayers = Enumerable.Reverse(atUnpack).ToList() });
            atUnpack.Add(dir);
        }

        for (var i = 0; i < tars.Count; i++)
            Assert.Empty(FileTree.Diff(FileTree.Capture(atCommit[i]), FileTree.Capture(atUnpack[i])));
    }

    [Theory]
    [InlineData("loop", "'loop1'", "cannot be resolved inside the image")]
    [InlineData("dangling", "entry 'stolen'", "'absent', which is in neither this layer nor the layers below it")]
    [InlineData("directory", "entry 'stolen'", "hardlink to directory 'd'")]
    [InlineData("ancestor", "entry 'up/up'", "which holds it")]
    public void What_cannot_be_placed_on_the_layers_below_is_refused_at_rebase(string kind, string naming, string reason)
    {
        var (lowerTar, upperTar) = kind switch
        {
            "loop" => (new LayerTar().Symlink("loop1", "loop2").Symlink("loop2", "/loop1"), new LayerTar().File("loop1/x", "x")),
            "dangling" => (new LayerTar().File("present", "p"), new LayerTar().Hardlink("stolen", "absent")),
            "directory" => (new LayerTar().Dir("d/"), new LayerTar().Hardlink("stolen", "d")),
            _ => (new LayerTar().Symlink("up", ".."), new LayerTar().File("up/up/x", "x")),
        };
        var lower = _scratch.Sub("lower");
        Unpack.Tar(lowerTar.ToArray(), lower, Unpack.Overlay);
        var upper = _scratch.Sub("upper");
        var result = Unpack.Tar(upperTar.ToArray(), upper, Unpack.Overlay);

        var ex = Assert.Throws<LayerFormatException>(() => LayerUnpacker.Rebase(upper, result, [lower], Unpack.Overlay));
        Assert.Contains(naming, ex.Message);
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public void A_directory_moved_under_a_lower_symlink_meets_the_next_symlink_there()
    {
        var tars = new[]
        {
            new LayerTar().Dir("usr/").Dir("usr/lib/").Dir("opt/").Dir("opt/conf/").Symlink("lib", "usr/lib").Symlink("usr/lib/conf", "/opt/conf").ToArray(),
            new LayerTar().File("lib/conf/x", "x").ToArray(),
        };

        var tree = FlattenLikeUmoci(tars, WhiteoutStyle.Overlay);

        Assert.Equal("file", tree["opt/conf/x"].Type);
        Assert.Equal("symlink", tree["usr/lib/conf"].Type);
    }

    [Fact]
    public void Nothing_is_written_outside_the_layer_through_an_absolute_lower_symlink()
    {
        var outside = _scratch.Sub("outside");
        var lower = _scratch.Sub("lower");
        Unpack.Tar(new LayerTar().Symlink("escape", outside).Symlink("up", "../../../..").ToArray(), lower, Unpack.Overlay);
        var upper = _scratch.Sub("upper");
        var result = Unpack.Tar(new LayerTar().File("escape/x", "x").File("up/y", "y").ToArray(), upper, Unpack.Overlay);

        LayerUnpacker.Rebase(upper, result, [lower], Unpack.Overlay);

        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        var tree = FileTree.Capture(upper);
        Assert.Equal("file", tree[outside.TrimStart('/') + "/x"].Type);
        Assert.Equal("file", tree["y"].Type);
    }
}
