using Akka.Actor;
using PullCluster.Actors.Protocol;
using PullCluster.Core.Gateway;
using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.EndToEnd;

/// <summary>A node started again on the same store keeps what it pulled and finishes what it was pulling.</summary>
public sealed class RestartSpecs(RegistryFixture fixture, ITestOutputHelper output) : EndToEndKit(fixture, output), IClassFixture<RegistryFixture>
{
    private static TestImage TwoLayers(int seed) => TestImage.Oci()
        .Layer(l => l.Dir("etc").File("etc/hostname", $"node-{seed}\n"))
        .Layer(TestLayer.Build(l => l.File("payload", Payload.Random(400_000, seed)), Core.Formats.LayerCompression.None))
        .Build();

    [Fact]
    public async Task A_restarted_node_still_has_its_images_and_fetches_nothing_again()
    {
        var image = TwoLayers(1);
        var pushed = await image.PushAsync(Registry, RepoName.Unique("restart"), "1");
        var (earlier, earlierNode) = StartEarlierNode();
        var probe = CreateTestProbe(earlier);
        earlierNode.Pulls.Tell(new PullImage(pushed.TagReference, ReplyTo: probe));
        _ = (await ReceivePullAsync(probe)).Succeeded;
        await earlier.Terminate();
        earlierNode.Dispose();
        var mark = Registry.AccessLog.Mark();

        var list = Assert.IsType<ImageList>(await AskNodeAsync(new ListImages()));
        var again = (await PullAsync(pushed.TagReference)).Succeeded;
        var rootfs = await MaterializeAsync(pushed.TagReference);

        Assert.Equal([(pushed.TagReference, image.Digest.ToString())], list.Images.Select(i => (i.Image, i.ManifestDigest)));
        Assert.Equal((0L, image.Config.Size + image.Layers.Sum(l => l.Size)), (again.BytesFetched, again.BytesReused));
        await Registry.AccessLog.WaitForQuietAsync();
        Assert.Empty(Registry.AccessLog.BlobGets(mark));
        AssertSameTree(await UmociRootfsAsync(image), rootfs);
    }

    [Fact]
    public async Task A_restarted_node_fetches_and_unpacks_again_what_was_deleted_from_its_store_while_it_was_down()
    {
        var image = TwoLayers(3);
        var pushed = await image.PushAsync(Registry, RepoName.Unique("deleted"), "1");
        var (earlier, earlierNode) = StartEarlierNode();
        var probe = CreateTestProbe(earlier);
        earlierNode.Pulls.Tell(new PullImage(pushed.TagReference, ReplyTo: probe));
        var first = (await ReceivePullAsync(probe)).Succeeded;
        await earlier.Terminate();
        var layout = earlierNode.Layout;
        var lost = image.Layers[1];
        var lostChain = Core.Formats.Digest.Parse(first.ChainIds[1]);
        File.Delete(layout.BlobPath(lost.Digest));
        TempDir.ForceDelete(layout.LayerPath(lostChain));
        earlierNode.Dispose();
        var mark = Registry.AccessLog.Mark();

        var again = await PullAsync(pushed.TagReference);

        var result = again.Succeeded;
        Assert.Equal((lost.Size, image.Config.Size + image.Layers[0].Size), (result.BytesFetched, result.BytesReused));
        Assert.Equal(LayerStates.Exists, again.StatesOf(image.Layers[0].Digest.ToString())[^1]);
        Assert.Equal(LayerStates.Complete, again.StatesOf(lost.Digest.ToString())[^1]);
        await Registry.AccessLog.WaitForQuietAsync();
        Assert.Equal([lost.Digest], Registry.AccessLog.BlobGets(mark).Select(e => e.Digest!.Value));
        Assert.Contains(lostChain, Node.CommittedLayers);
        AssertSameTree(await UmociRootfsAsync(image), await MaterializeAsync(pushed.TagReference));
    }

    [Fact]
    public async Task A_pull_interrupted_by_a_restart_resumes_on_start_from_the_bytes_already_received()
    {
        var image = TwoLayers(2);
        var repo = RepoName.Unique("interrupted");
        await image.PushAsync(Registry, repo, "1");
        await using var proxy = FaultProxy.Start(Registry);
        var big = image.Layers[1];
        // Slow enough (20 s for the layer) that the download outlasts the node's shutdown, which leaves the cluster
        // first and takes seconds on a loaded machine.
        var throttle = proxy.Inject(Fault.Throttle(20_000), pathContains: big.Digest.ToString(), method: "GET", times: FaultRule.Always);
        var reference = proxy.Reference(repo, "1");
        var (earlier, earlierNode) = StartEarlierNode();
        var probe = CreateTestProbe(earlier);

        earlierNode.Pulls.Tell(new PullImage(reference, ReplyTo: probe));
        await probe.FishForMessageAsync<PullProgress>(
            p => p.Layers.Any(l => l.Digest == big.Digest.ToString() && l.State == LayerStates.Downloading && l.Done > 0), Patience);
        await earlier.Terminate();
        earlierNode.Dispose();
        proxy.Remove(throttle);
        proxy.ClearRequests();
        var mark = Registry.AccessLog.Mark();

        // Nobody asks again: the node resumes the pull its journal says was accepted and never ended.
        var images = Node.Services.Images;
        await EventuallyAsync(() => images.ListFor(reference).Count > 0, $"{reference} is pulled after the restart", Patience);
        var resumed = proxy.RequestsFor(big.Digest.ToString(), "GET");
        var range = Assert.Single(resumed).Range ?? throw new Xunit.Sdk.XunitException("the resumed download carried no Range header");
        var offset = long.Parse(range["bytes=".Length..^1]);
        Assert.InRange(offset, 1, big.Size - 1);
        await Registry.AccessLog.WaitForQuietAsync();
        Assert.Contains(Registry.AccessLog.BlobGets(mark), e => e.Digest == big.Digest && e.Status == 206 && e.Bytes == big.Size - offset);
        Assert.Equal(big.Blob, File.ReadAllBytes(Node.Services.Content.PathOf(big.Digest)));
        var asked = (await PullAsync(reference)).Succeeded;
        Assert.Equal(0, asked.BytesFetched);
        AssertSameTree(await UmociRootfsAsync(image), await MaterializeAsync(reference));
    }
}
