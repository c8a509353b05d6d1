using PullCluster.Core.Formats;
using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PullCluster.Tests.Cluster;

/// <summary>
/// A host that dies or leaves while the farm pulls: no other host's pull hangs or fails, every rootfs is umoci's, a
/// killed host pulls again after its restart, and the registry serves the image about once (≤ 1.1×) in all.
/// Downloads go through throttling proxies so they take seconds and a node can be killed in the middle of one.
/// Each spec restarts the node it killed, so the farm is whole for the next.
/// </summary>
[Collection(FarmOfThree.Name)]
public sealed class FarmFaultSpecs(FarmOfThreeFixture fixture, ITestOutputHelper output) : FarmKit(fixture, output)
{
    /// <summary>Blob bodies pass each proxy at 1 MB/s: a download of megabytes takes seconds, time enough to kill its node in the middle.</summary>
    private const long Rate = 1_000_000;

    /// <summary>
    /// The registry may serve the image 1.1 times in all. What a dead fetcher had received but not yet passed on (its
    /// peers stream it in chunks of up to 512 KiB) is fetched again, so the images are large enough for that to fit.
    /// </summary>
    private const double RegistryBytesBound = 1.1;

    /// <summary>One layer of 8 MB: eight seconds a download.</summary>
    private static TestImage OneBigLayer() => TestImage.Oci().Layer(RandomLayer("big", 8_000_000)).Build();

    /// <summary>Four layers of 2.5 MB (2.5 s each): fetches spread over the nodes, and an authority per blob somewhere in the farm.</summary>
    private static TestImage FourLayers() => TestImage.Oci()
        .Layer(RandomLayer("one", 2_500_000))
        .Layer(RandomLayer("two", 2_500_000))
        .Layer(RandomLayer("three", 2_500_000))
        .Layer(RandomLayer("four", 2_500_000))
        .Build();

    [Fact]
    public async Task Killing_the_node_fetching_a_blob_mid_download_leaves_the_others_pulls_complete_and_the_killed_node_pulls_after_restart()
    {
        var image = OneBigLayer();
        var layer = image.Layers[0];
        var repo = RepoName.Unique("farm-kill-fetcher");
        await image.PushAsync(Registry, repo, "1");
        var expected = UmociTreeAsync(image);
        var proxies = ThrottledProxies(Rate);
        await using var proxiesOwner = Disposing(proxies);

        var pulls = Enumerable.Range(0, Farm.Size).Select(i => Pull(i, proxies[i].Reference(repo, "1"))).ToList();
        var fetcher = await FetcherOfAsync(proxies, layer.Digest, layer.Size / 3);
        Output.WriteLine($"node {fetcher} fetches {layer.Digest} from the registry; killing it");
        Farm.Kill9(fetcher);

        foreach (var i in Others(fetcher))
        {
            var result = await SucceededAsync(i, pulls[i]);
            Assert.Equal(image.Digest.ToString(), result.ManifestDigest);
            await AssertRootfsAsync(i, proxies[i].Reference(repo, "1"), await expected);
        }
        Assert.True((await pulls[fetcher]).Interrupted, "the killed node answered its pull");
        await RestartAndPullAsync(fetcher, proxies[fetcher].Reference(repo, "1"), image, await expected);
        AssertRegistryServedAboutOnce(image, proxies);
    }

    [Fact]
    public async Task Killing_the_node_hosting_a_blobs_authority_while_another_fetches_it_leaves_the_others_pulls_complete()
    {
        // All three pull; the victim is a node hosting the authority (the sharded coordinator) of a blob that another
        // node is fetching from the registry, so the fetch outlives its coordinator.
        var image = FourLayers();
        var repo = RepoName.Unique("farm-kill-coordinator");
        await image.PushAsync(Registry, repo, "1");
        var expected = UmociTreeAsync(image);
        var proxies = ThrottledProxies(Rate);
        await using var proxiesOwner = Disposing(proxies);

        var pulls = Enumerable.Range(0, Farm.Size).Select(i => Pull(i, proxies[i].Reference(repo, "1"))).ToList();
        var (victim, blob, fetcher) = await AuthorityOfAFetchElsewhereAsync(image, proxies);
        Output.WriteLine($"node {victim} hosts the authority of {blob}, which node {fetcher} fetches; killing node {victim}");
        Farm.Kill9(victim);

        foreach (var i in Others(victim))
        {
            _ = await SucceededAsync(i, pulls[i]);
            await AssertRootfsAsync(i, proxies[i].Reference(repo, "1"), await expected);
        }
        Assert.True((await pulls[victim]).Interrupted, "the killed node answered its pull");
        await RestartAndPullAsync(victim, proxies[victim].Reference(repo, "1"), image, await expected);
        AssertRegistryServedAboutOnce(image, proxies);
    }

    [Fact]
    public async Task A_node_leaving_gracefully_while_the_others_pull_loses_no_pull()
    {
        const int leaver = 2;
        var image = FourLayers();
        var repo = RepoName.Unique("farm-leave");
        await image.PushAsync(Registry, repo, "1");
        var expected = UmociTreeAsync(image);
        var proxies = ThrottledProxies(Rate);
        await using var proxiesOwner = Disposing(proxies);
        var leaving = Farm[leaver];

        var pulls = Others(leaver).ToDictionary(i => i, i => Pull(i, proxies[i].Reference(repo, "1")));
        await FetcherOfAsync(proxies, image.Layers[0].Digest, image.Layers[0].Size / 4);
        await Farm.StopAsync(leaver);

        Assert.Equal(0, leaving.ExitCode);
        foreach (var (i, pull) in pulls)
        {
            _ = await SucceededAsync(i, pull);
            await AssertRootfsAsync(i, proxies[i].Reference(repo, "1"), await expected);
        }
        foreach (var i in Others(leaver))
            await Farm[i].WaitForLogAsync(l => l.Contains("cluster member removed:") && l.Contains(Farm.Address(leaver).Remote),
                $"'cluster member removed: …{Farm.Address(leaver).Remote}'", TimeSpan.FromSeconds(30));
        AssertRegistryServedAboutOnce(image, proxies);
        await Farm.RestartAsync(leaver);
    }

    [Fact]
    public async Task Killing_a_peer_serving_a_blob_mid_transfer_leaves_the_receivers_pulls_complete()
    {
        // Node 0 holds the image whole; nodes 1 and 2 then stream it from node 0, which is frozen as soon as one of
        // them has received part of the big layer, and killed. A 64 MB layer keeps the transfer in flight long
        // enough to see (a peer serves from loopback at hundreds of MB/s).
        const int holder = 0;
        var layer = RandomLayer("huge", 64 << 20, LayerCompression.None);
        var image = TestImage.Oci().Layer(layer).Layer(RandomLayer("small", 100_000)).Build();
        var reference = (await image.PushAsync(Registry, RepoName.Unique("farm-kill-server"), "1")).TagReference;
        var expected = UmociTreeAsync(image);
        _ = await SucceededAsync(holder, Pull(holder, reference));
        var mark = Registry.AccessLog.Mark();

        var receivers = Others(holder).ToList();
        var pulls = receivers.ToDictionary(i => i, i => Pull(i, reference));
        var partial = receivers.Select(i => Path.Combine(Farm.StoreOf(i), "ingest", $"{layer.Digest.Algorithm}-{layer.Digest.Hex}.partial")).ToList();
        long Received(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
        await EventuallyAsync(() => partial.Any(p => Received(p) > 0) || pulls.Values.Any(p => p.IsCompleted),
            $"a receiver started writing {layer.Digest}", TimeSpan.FromSeconds(60));
        Farm[holder].Freeze();
        var midway = partial.Select(Received).ToList();
        var completed = pulls.Values.Any(p => p.IsCompleted);
        Farm.Kill9(holder);
        Output.WriteLine($"froze and killed node {holder} with the receivers at {string.Join(", ", midway)} of {layer.Size} bytes");
        if (!midway.Any(b => b > 0 && b < layer.Size) || completed)
            throw new XunitException(
                $"the scenario did not happen: the receivers' ingests ({string.Join(", ", partial)}) held {string.Join(", ", midway)} " +
                $"of {layer.Size} bytes when node {holder} was frozen\n{Farm.Logs()}");

        foreach (var (i, pull) in pulls)
        {
            var result = await SucceededAsync(i, pull);
            Assert.Equal(BlobBytes(image), result.BytesFromRegistry + result.BytesFromPeers + result.BytesFromStore);
            await AssertRootfsAsync(i, reference, await expected);
        }
        await Registry.AccessLog.WaitForQuietAsync();
        // What the receivers could not get from the killed node they take from each other or, once, from the registry.
        var served = Registry.AccessLog.ServedBlobBytes(mark);
        if (served > (long)(RegistryBytesBound * BlobBytes(image)))
            throw new XunitException($"after node {holder} died the registry served {served} blob bytes for an image of {BlobBytes(image)}:\n  " +
                string.Join("\n  ", Registry.AccessLog.BlobGets(mark)) + $"\n{Farm.Logs(80)}");
        var restarted = await Farm.RestartAsync(holder);
        var again = await SucceededAsync(holder, restarted.PullAsync(reference, timeout: PullTimeout));
        Assert.Equal(BlobBytes(image), again.BytesFromStore);
    }

    /// <summary>
    /// A node hosting the authority of one of <paramref name="image"/>'s blobs while another node is fetching that blob
    /// from the registry. Which node hosts which shard is Akka's choice; the hosting node's log says it, as each line an
    /// authority logs carries its actor path (…/system/sharding/blob-authority/SHARD/sha256%3AHEX).
    /// </summary>
    private async Task<(int Victim, Core.Formats.Digest Blob, int Fetcher)> AuthorityOfAFetchElsewhereAsync(
        TestImage image, IReadOnlyList<FaultProxy> proxies)
    {
        (int, Core.Formats.Digest, int)? found = null;
        bool Find()
        {
            foreach (var blob in image.Layers.Select(l => l.Digest))
            {
                var fetcher = Enumerable.Range(0, proxies.Count).FirstOrDefault(
                    j => proxies[j].RequestsFor(blob.ToString(), "GET").Any(r => r.BodyBytesSent > 0 && !r.Completed), -1);
                if (fetcher < 0) continue;
                var host = Enumerable.Range(0, Farm.Size).FirstOrDefault(
                    i => i != fetcher && Farm[i].LogLines.Any(l => l.Contains("/blob-authority/") && l.Contains(blob.Hex)), -1);
                if (host < 0) continue;
                found = (host, blob, fetcher);
                return true;
            }
            return false;
        }
        await EventuallyAsync(Find, $"a node hosting the authority of a blob of {image} that another node fetches\n{Describe(proxies)}",
            TimeSpan.FromSeconds(60));
        return found!.Value;
    }

    private IEnumerable<int> Others(int node) => Enumerable.Range(0, Farm.Size).Where(i => i != node);

    /// <summary>Node <paramref name="i"/> restarts on its store, rejoins, pulls <paramref name="reference"/> and has umoci's rootfs.</summary>
    private async Task RestartAndPullAsync(int i, string reference, TestImage image, FileTree expected)
    {
        await Farm.RestartAsync(i);
        var result = await SucceededAsync(i, Pull(i, reference));
        Assert.Equal(image.Digest.ToString(), result.ManifestDigest);
        await AssertRootfsAsync(i, reference, expected);
    }

    private void AssertRegistryServedAboutOnce(TestImage image, IReadOnlyList<FaultProxy> proxies)
    {
        var served = RegistryBytes(proxies);
        var bound = (long)(RegistryBytesBound * BlobBytes(image));
        if (served < BlobBytes(image) || served > bound)
            throw new XunitException(
                $"the registry served {served} blob bytes for an image of {BlobBytes(image)} (bound {bound})\n{Describe(proxies)}\n{Farm.Logs(80)}");
    }

    private static AsyncDisposables Disposing(IEnumerable<FaultProxy> proxies) => new(proxies.ToList());

    private sealed class AsyncDisposables(IReadOnlyList<FaultProxy> proxies) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var proxy in proxies) await proxy.DisposeAsync();
        }
    }
}
