using System.Diagnostics;
using PullCluster.Core.Formats;
using PullCluster.Core.Gateway;
using PullCluster.Tests.EndToEnd;
using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PullCluster.Tests.Cluster;

/// <summary>What farm specs share: images of random layers, pulls on several nodes, rootfs checks against umoci, registry bytes.</summary>
public abstract class FarmKit(FarmFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Generous: a pull whose coordinator died waits for the split-brain resolver to down that node first.</summary>
    protected static readonly TimeSpan PullTimeout = TimeSpan.FromMinutes(3);

    protected FarmFixture Fixture => fixture;

    protected ClusterFarm Farm => fixture.Farm;

    protected RegistryProcess Registry => fixture.Registry;

    protected ITestOutputHelper Output => output;

    /// <summary>A layer of one file of <paramref name="bytes"/> random bytes, unique to this call: no two specs share its blob.</summary>
    protected static TestLayer RandomLayer(string name, int bytes, LayerCompression compression = LayerCompression.Gzip) =>
        TestLayer.Build(l => l.Dir(name).File($"{name}/data", Payload.Random(bytes, System.Random.Shared.Next())), compression);

    /// <summary>Each spec starts on a whole farm, even when the spec before it failed with a node down.</summary>
    public async Task InitializeAsync()
    {
        foreach (var i in await Farm.RestartExitedAsync()) Output.WriteLine($"restarted node {i}, left down by an earlier spec");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A small image of two random layers and one of a file and a symlink, all three unique to the call.</summary>
    protected static TestImage ThreeLayers() => TestImage.Oci()
        .Layer(RandomLayer("base", 300_000))
        .Layer(RandomLayer("middle", 200_000))
        .Layer(l => l.Dir("etc").File("etc/hostname", $"farm-{Guid.NewGuid():N}\n").Symlink("etc/alias", "hostname"))
        .Build();

    /// <summary>Config and layers: what a pull fetches as blobs (the manifest is not a blob).</summary>
    protected static long BlobBytes(TestImage image) => image.Config.Size + image.Layers.Sum(l => l.Size);

    protected static IEnumerable<Digest> Blobs(TestImage image) => image.Layers.Select(l => l.Digest).Append(image.Config.Digest);

    /// <summary>The same count for each digest: what the registry's GETs per blob must be.</summary>
    protected static Dictionary<string, int> Each(IEnumerable<Digest> blobs, int count) => blobs.Distinct().ToDictionary(d => d.ToString(), _ => count);

    protected Dictionary<string, int> RegistryGetsPerBlob(AccessLogMark mark) =>
        Registry.AccessLog.GetsPerBlob(mark).ToDictionary(g => g.Key.ToString(), g => g.Value);

    /// <summary>
    /// Proxies in front of the registry, one per farm node, each passing blob bodies no faster than
    /// <paramref name="bytesPerSecond"/>: node i pulls through proxy i, so a proxy's records say which node fetched
    /// what from the registry, and a download takes long enough to kill its node in the middle of it.
    /// </summary>
    protected List<FaultProxy> ThrottledProxies(long bytesPerSecond)
    {
        var proxies = new List<FaultProxy>();
        for (var i = 0; i < Farm.Size; i++)
        {
            var proxy = FaultProxy.Start(Registry);
            proxy.Inject(Fault.Throttle(bytesPerSecond), pathContains: "/blobs/", method: "GET", times: FaultRule.Always);
            proxies.Add(proxy);
        }
        return proxies;
    }

    /// <summary>Blob body bytes the proxies passed on from the registry (what left the registry's uplink for the farm).</summary>
    protected static long RegistryBytes(IEnumerable<FaultProxy> proxies) =>
        proxies.SelectMany(p => p.Requests)
            .Where(r => r.Method == "GET" && r.Path.Contains("/blobs/sha256:", StringComparison.Ordinal) && r.Status is 200 or 206)
            .Sum(r => r.BodyBytesSent);

    /// <summary>The requests each proxy passed, for failure messages.</summary>
    protected static string Describe(IReadOnlyList<FaultProxy> proxies) =>
        string.Join("\n", proxies.Select((p, i) => $"node {i} via {p.Address}:\n  " + string.Join("\n  ", p.Requests)));

    /// <summary>
    /// The node whose proxy has passed at least <paramref name="bytes"/> of <paramref name="blob"/>: the node fetching it
    /// from the registry.
    /// </summary>
    protected async Task<int> FetcherOfAsync(IReadOnlyList<FaultProxy> proxies, Digest blob, long bytes, TimeSpan? within = null)
    {
        var limit = within ?? TimeSpan.FromSeconds(90);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            for (var i = 0; i < proxies.Count; i++)
                if (proxies[i].RequestsFor(blob.ToString(), "GET").Any(r => r.BodyBytesSent >= bytes)) return i;
            if (clock.Elapsed > limit)
                throw new XunitException($"no node fetched {bytes} bytes of {blob} from the registry within {limit}\n{Describe(proxies)}\n{Farm.Logs()}");
            await Task.Delay(10);
        }
    }

    /// <summary>Starts a pull of <paramref name="reference"/> on node <paramref name="i"/>.</summary>
    protected Task<NodeProcess.Outcome> Pull(int i, string reference) => Farm[i].PullAsync(reference, timeout: PullTimeout);

    /// <summary>The pull's result; fails naming the node and with the farm's logs when it did not succeed.</summary>
    protected async Task<PullResultDto> SucceededAsync(int i, Task<NodeProcess.Outcome> pull)
    {
        NodeProcess.Outcome outcome;
        try
        {
            outcome = await pull;
        }
        catch (TimeoutException e)
        {
            throw new XunitException($"node {i}: {e.Message}\n{Farm.Logs()}");
        }
        if (outcome.Final is { Kind: GatewayKinds.Result, Result: { } result })
        {
            Output.WriteLine($"node {i}: {result.Image} in {result.Seconds:0.00} s, registry {result.BytesFromRegistry}, " +
                             $"peers {result.BytesFromPeers}, store {result.BytesFromStore}");
            return result;
        }
        throw new XunitException(
            $"node {i}'s pull did not succeed: {(outcome.Final is { } f ? $"{f.Kind}: {f.Message}" : "the node closed the connection")}; " +
            $"last progress: {(outcome.LastProgress is { } p ? NodeProcess.Describe(p) : "none")}\n{Farm.Logs()}");
    }

    /// <summary>What umoci, the reference unpacker, makes of <paramref name="image"/>.</summary>
    protected async Task<FileTree> UmociTreeAsync(TestImage image)
    {
        var dir = Fixture.Scratch("umoci");
        var layout = Path.Combine(dir, "layout");
        image.WriteOciLayout(layout, "expected");
        var rootfs = await Umoci.UnpackAsync(layout, "expected", Path.Combine(dir, "bundle"));
        var tree = await Task.Run(() => FileTree.Capture(rootfs));
        TempDir.ForceDelete(dir);
        return tree;
    }

    /// <summary>Node <paramref name="i"/>'s rootfs of <paramref name="reference"/>, as <c>image rootfs</c> writes it, equals <paramref name="expected"/>.</summary>
    protected async Task AssertRootfsAsync(int i, string reference, FileTree expected)
    {
        var dir = Path.Combine(Fixture.Scratch($"rootfs{i}"), "rootfs");
        await Farm[i].RootfsAsync(reference, dir);
        var diff = FileTree.Diff(expected, await Task.Run(() => FileTree.Capture(dir)));
        TempDir.ForceDelete(Path.GetDirectoryName(dir)!);
        if (diff.Count > 0)
            throw new XunitException($"node {i}'s rootfs of {reference} differs from umoci's:\n  {string.Join("\n  ", diff)}");
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> and the farm's logs.</summary>
    protected async Task EventuallyAsync(Func<bool> condition, string what, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > within) throw new XunitException($"not within {within}: {what}\n{Farm.Logs()}");
            await Task.Delay(5);
        }
    }

    /// <summary>Every node of the farm pulls one fresh image at the same moment.</summary>
    protected async Task AllNodesPullOneImageAtOnceAsync()
    {
        var image = ThreeLayers();
        var reference = (await image.PushAsync(Registry, RepoName.Unique($"farm{Farm.Size}"), "1")).TagReference;
        var expected = UmociTreeAsync(image);
        var mark = Registry.AccessLog.Mark();

        var pulls = Enumerable.Range(0, Farm.Size).Select(i => Pull(i, reference)).ToList();
        var results = new List<PullResultDto>();
        for (var i = 0; i < pulls.Count; i++) results.Add(await SucceededAsync(i, pulls[i]));

        await Registry.AccessLog.WaitForQuietAsync();
        Assert.Equal(Each(Blobs(image), 1), RegistryGetsPerBlob(mark));
        Assert.Equal(BlobBytes(image), Registry.AccessLog.ServedBlobBytes(mark));
        Assert.Equal(BlobBytes(image), results.Sum(r => r.BytesFromRegistry));
        Assert.All(results, r => Assert.Equal(image.Digest.ToString(), r.ManifestDigest));
        Assert.All(results, r => Assert.Equal(BlobBytes(image), r.BytesFromRegistry + r.BytesFromPeers + r.BytesFromStore));
        Assert.Contains(results, r => r.BytesFromPeers > 0);
        for (var i = 0; i < Farm.Size; i++) await AssertRootfsAsync(i, reference, await expected);
    }
}
