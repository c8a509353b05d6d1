using PullCluster.Core.Layers;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Layers;

/// <summary>umoci, an independent OCI unpacker, is the oracle for what a multi-layer image's root file system is.</summary>
public sealed class UmociOracleSpecs : IDisposable
{
    private readonly ScratchDir _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData(WhiteoutStyle.Overlay)]
    [InlineData(WhiteoutStyle.Aufs)]
    public void Flattened_diffs_match_umoci_unpack(WhiteoutStyle style)
    {
        var tars = RichImage.Layers(_scratch.Sub("src"));
        var layout = _scratch.Sub("layout");
        OciLayout.Write(layout, "rich", tars);
        var bundle = Path.Combine(_scratch.Path, "bundle");
        Run.Tool("umoci", "unpack", "--image", $"{layout}:rich", bundle);

        var options = style == WhiteoutStyle.Overlay ? Unpack.Overlay : Unpack.Aufs;
        var diffs = Unpack.Layers(tars, _scratch.Sub("diffs"), options);
        var rootfs = _scratch.Sub("rootfs");
        RootfsBuilder.Flatten(diffs, rootfs, options, CancellationToken.None);

        var expected = FileTree.Capture(Path.Combine(bundle, "rootfs"));
        Assert.True(expected.Nodes.Count > 40);
        Assert.Empty(FileTree.Diff(expected, FileTree.Capture(rootfs)));
    }
}
