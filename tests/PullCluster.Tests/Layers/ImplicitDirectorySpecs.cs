using PullCluster.Core.Formats;
using PullCluster.Core.Layers;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Layers;

/// <summary>Directories a tar only implies must not mask the metadata of the real ones in the layers below.</summary>
public sealed class ImplicitDirectorySpecs : IDisposable
{
    private readonly ScratchDir _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static readonly DateTimeOffset Then = DateTimeOffset.FromUnixTimeSeconds(1_222_333_444);

    private static byte[] Lower() => new LayerTar()
        .Dir("srv/", "750", 33, 34, Then, new Dictionary<string, string> { ["user.owner"] = "www" })
        .Dir("srv/www/", "2775", 33, 34, Then)
        .File("srv/www/index.html", "<html/>")
        .Dir("gone/", "700", 5, 5)
        .ToArray();

    private static byte[] Upper() => new LayerTar()
        .File("srv/www/new.html", "new")
        .File("fresh/dir/file", "no parent has these")
        .Whiteout(".wh.gone")
        .File("gone/again", "recreated by the layer that deleted it")
        .ToArray();

    private void AssertInherited(string diff)
    {
        var tree = FileTree.Capture(diff);
        Assert.Equal((LayerTar.Oct("750"), 33u, 34u), ((int)tree["srv"].Mode, tree["srv"].Uid, tree["srv"].Gid));
        Assert.Equal("\"www\"", tree["srv"].Xattrs["user.owner"]);
        Assert.Equal((LayerTar.Oct("2775"), 33u), ((int)tree["srv/www"].Mode, tree["srv/www"].Uid));
        Assert.Equal(Then.UtcDateTime, Directory.GetLastWriteTimeUtc(Path.Combine(diff, "srv/www")));
        Assert.Equal((LayerTar.Oct("755"), 0u), ((int)tree["fresh"].Mode, tree["fresh"].Uid));
        Assert.Equal((LayerTar.Oct("755"), 0u), ((int)tree["gone"].Mode, tree["gone"].Uid));
    }

    [Theory]
    [InlineData(WhiteoutStyle.Overlay)]
    [InlineData(WhiteoutStyle.Aufs)]
    public void Take_the_metadata_of_the_nearest_parent_layer_at_unpack_time(WhiteoutStyle style)
    {
        var options = style == WhiteoutStyle.Overlay ? Unpack.Overlay : Unpack.Aufs;
        var lower = _scratch.Sub("lower");
        Unpack.Tar(Lower(), lower, options);
        var middle = _scratch.Sub("middle");
        Unpack.Tar(new LayerTar().File("unrelated", "x").ToArray(), middle, options);
        var upper = _scratch.Sub("upper");

        var result = Unpack.Tar(Upper(), upper, options with { ParentLayers = [middle, lower] });

        Assert.Equal(new[] { "fresh", "fresh/dir", "gone", "srv", "srv/www" }, result.ImplicitDirectories);
        AssertInherited(upper);
    }

    [Fact]
    public void Can_take_it_later_when_the_layer_was_unpacked_before_its_parents()
    {
        var upper = _scratch.Sub("upper");
        var result = Unpack.Tar(Upper(), upper, Unpack.Overlay);
        Assert.Equal(LayerTar.Oct("755"), (int)FileTree.Capture(upper)["srv"].Mode);
        var lower = _scratch.Sub("lower");
        Unpack.Tar(Lower(), lower, Unpack.Overlay);

        LayerUnpacker.Rebase(upper, result, [lower], Unpack.Overlay);

        AssertInherited(upper);
    }

    [Fact]
    public void Flattening_keeps_lower_directory_metadata_under_an_implied_directory()
    {
        var diffs = Unpack.Layers([Lower(), Upper()], _scratch.Sub("diffs"), Unpack.Overlay);
        var rootfs = _scratch.Sub("rootfs");

        RootfsBuilder.Flatten(diffs, rootfs, Unpack.Overlay, CancellationToken.None);
        var tree = FileTree.Capture(rootfs);

        Assert.Equal((LayerTar.Oct("750"), 33u, 34u), ((int)tree["srv"].Mode, tree["srv"].Uid, tree["srv"].Gid));
        Assert.Equal(new[] { "fresh", "fresh/dir", "fresh/dir/file", "gone", "gone/again", "srv", "srv/www", "srv/www/index.html", "srv/www/new.html" },
            tree.Nodes.Keys);
    }
}
