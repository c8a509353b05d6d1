using PullCluster.Core.Formats;
using PullCluster.Tests.Infrastructure;
using PullCluster.Tests.Layers;
using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.EndToEnd;

/// <summary>
/// A pulled image whose layers write, delete and link through a lower layer's symlinks: the node's committed layer
/// directories, stacked by overlayfs, and its flattened rootfs both equal what umoci unpacks, whatever order the
/// layers unpacked in.
/// </summary>
public sealed class LowerLayerPullSpecs(RegistryFixture fixture, ITestOutputHelper output) : EndToEndKit(fixture, output), IClassFixture<RegistryFixture>
{
    [Fact]
    public async Task Layers_stacked_by_overlayfs_and_the_flattened_rootfs_match_umoci()
    {
        var image = TestImage.Oci().Layers(LowerLayerSpecs.Image().Select(tar => TestLayer.FromTar(tar)).ToArray()).Build();
        var pushed = await image.PushAsync(Registry, RepoName.Unique("lower"), "1");

        var result = (await PullAsync(pushed.TagReference)).Succeeded;
        var expected = await UmociRootfsAsync(image);

        var ours = await MaterializeAsync(pushed.TagReference);
        AssertSameTree(expected, ours);
        var tree = FileTree.Capture(ours);
        Assert.Equal(("symlink", "usr/lib"), (tree["lib"].Type, tree["lib"].LinkTarget));
        Assert.Equal(["usr/lib/sub/y"], tree.Nodes.Keys.Where(k => k.StartsWith("usr/lib/sub/")));
        Assert.Contains("bin/a = usr/lib/a.txt", tree.HardlinkGroups);

        var stack = Node.Services.Layers.Ancestry(Digest.Parse(result.ChainIds[^1]));
        Assert.Equal(3, stack.Count);
        var merged = Node.Scratch("merged");
        Directory.CreateDirectory(merged);
        Run.Tool("mount", "-t", "overlay", "overlay", "-o", $"lowerdir={string.Join(':', stack)}", merged);
        try
        {
            AssertSameTree(expected, merged);
        }
        finally
        {
            Run.Tool("umount", merged);
        }
    }

    [Fact]
    public async Task A_hardlink_to_a_file_in_no_layer_fails_the_pull_naming_the_layer_and_the_entry()
    {
        var image = TestImage.Oci().Layer(l => l.File("present", "p")).Layer(l => l.Hardlink("stolen", "absent")).Build();
        var pushed = await image.PushAsync(Registry, RepoName.Unique("dangling-link"), "1");

        var failed = (await PullAsync(pushed.TagReference)).Failed;

        Assert.Contains(image.Layers[1].Digest.ToString(), failed.Reason);
        Assert.Contains("entry 'stolen'", failed.Reason);
        Assert.Contains("'absent', which is in neither this layer nor the layers below it", failed.Reason);
        await EventuallyAsync(() => Node.StagingEntries.Count == 0, "the failed layer's staging directory is deleted");
    }
}
