using Akka.Actor;
using PullCluster.Actors.Protocol;
using PullCluster.Core.Formats;
using PullCluster.Core.Gateway;
using PullCluster.Core.Layers;
using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.EndToEnd;

/// <summary>Layers download and unpack in any order but commit parent before child, and each chain ID once.</summary>
public sealed class LayerOrderSpecs(RegistryFixture fixture, ITestOutputHelper output) : EndToEndKit(fixture, output), IClassFixture<RegistryFixture>
{
    private static TestLayer RandomLayer(string name, int bytes, int seed) =>
        TestLayer.Build(l => l.Dir(name).File($"{name}/data", Payload.Random(bytes, seed)));

    private static IReadOnlyList<Digest> ChainOf(TestImage image) => ChainIds.Compute(image.Layers.Select(l => l.DiffId).ToList());

    [Fact]
    public async Task Upper_layers_unpack_while_a_slow_base_downloads_and_commit_only_after_it()
    {
        var image = TestImage.Oci()
            .Layer(RandomLayer("base", 300_000, 1))
            .Layer(RandomLayer("middle", 100_000, 2))
            .Layer(RandomLayer("top", 100_000, 3))
            .Build();
        var repo = RepoName.Unique("order");
        await image.PushAsync(Registry, repo, "1");
        await using var proxy = FaultProxy.Start(Registry);
        var slow = proxy.Inject(Fault.Delay(TimeSpan.FromSeconds(1.5)), pathContains: image.Layers[0].Digest.ToString(), method: "GET");
        var chain = ChainOf(image);
        var layers = image.Layers.Select(l => l.Digest.ToString()).ToArray();

        // The base cannot be unpacking before its blob is in the store, so staging then holds upper layers only.
        var baseBlob = Node.Services.Content.PathOf(image.Layers[0].Digest);
        var watch = new LayerStoreWatch(Node.Layout, chain, during: () => !File.Exists(baseBlob));
        PullOutcome outcome;
        try
        {
            outcome = await PullAsync(proxy.Reference(repo, "1"));
        }
        finally
        {
            await watch.DisposeAsync();
        }

        _ = outcome.Succeeded;
        Assert.Empty(watch.Violations);
        Assert.All(watch.FirstSeen, t => Assert.NotNull(t));
        Assert.True(watch.FirstSeen[0] <= watch.FirstSeen[1] && watch.FirstSeen[1] <= watch.FirstSeen[2],
            $"chain directories appeared at {string.Join(", ", watch.FirstSeen)}");
        // Both upper layers were unpacked into staging while the base was still on its way.
        Assert.Equal(2, watch.MostStagedDuring);
        Assert.Equal(1, slow.Hits);
        var baseArrived = outcome.FirstEvent(layers[0], LayerStates.Verifying, LayerStates.Downloaded, LayerStates.Extracting, LayerStates.Complete);
        Assert.InRange(outcome.FirstEvent(layers[1], LayerStates.Extracting), 0, baseArrived - 1);
        Assert.InRange(outcome.FirstEvent(layers[2], LayerStates.Extracting), 0, baseArrived - 1);
        var baseCommitted = outcome.FirstEvent(layers[0], LayerStates.Complete);
        Assert.True(outcome.FirstEvent(layers[1], LayerStates.Complete) > baseCommitted, "the middle layer committed before the base");
        Assert.True(outcome.FirstEvent(layers[2], LayerStates.Complete) > outcome.FirstEvent(layers[1], LayerStates.Complete),
            "the top layer committed before the middle one");
        Assert.Equal(chain, Node.CommittedLayers.OrderBy(c => chain.ToList().IndexOf(c)));
    }

    [Fact]
    public async Task A_base_layer_shared_by_two_images_pulled_one_after_the_other_is_committed_once()
    {
        var shared = RandomLayer("shared", 100_000, 11);
        var first = TestImage.Oci().Layer(shared).Layer(RandomLayer("first", 10_000, 12)).Build();
        var second = TestImage.Oci().Layer(shared).Layer(RandomLayer("second", 10_000, 13)).Build();
        var repo = RepoName.Unique("shared-base");
        var firstRef = (await first.PushAsync(Registry, repo, "first")).TagReference;
        var secondRef = (await second.PushAsync(Registry, repo, "second")).TagReference;
        var baseChain = ChainOf(first)[0];

        _ = (await PullAsync(firstRef)).Succeeded;
        var baseDir = Node.Layout.LayerPath(baseChain);
        var inode = Posix.Lstat(RawPath.FromString(baseDir)).Ino;
        var info = File.ReadAllBytes(Node.Layout.LayerInfoPath(baseChain));
        var then = await PullAsync(secondRef);

        var result = then.Succeeded;
        Assert.Equal(baseChain.ToString(), result.ChainIds[0]);
        Assert.Equal(LayerStates.Exists, then.StatesOf(shared.Digest.ToString())[^1]);
        Assert.DoesNotContain(LayerStates.Extracting, then.StatesOf(shared.Digest.ToString()));
        Assert.Equal(LayerStates.Complete, then.StatesOf(second.Layers[1].Digest.ToString())[^1]);
        Assert.Equal(inode, Posix.Lstat(RawPath.FromString(baseDir)).Ino);
        Assert.Equal(info, File.ReadAllBytes(Node.Layout.LayerInfoPath(baseChain)));
        Assert.Equal(shared.Size, result.BytesReused);
        Assert.Equal(3, Node.CommittedLayers.Count);
        Assert.Single(Node.CommittedLayers, c => c == baseChain);
    }

    [Fact]
    public async Task A_base_layer_shared_by_two_concurrent_pulls_is_unpacked_and_committed_once()
    {
        var shared = RandomLayer("shared", 100_000, 21);
        var first = TestImage.Oci().Layer(shared).Layer(RandomLayer("first", 10_000, 22)).Build();
        var second = TestImage.Oci().Layer(shared).Layer(RandomLayer("second", 10_000, 23)).Build();
        var repo = RepoName.Unique("shared-concurrent");
        await first.PushAsync(Registry, repo, "first");
        await second.PushAsync(Registry, repo, "second");
        await using var proxy = FaultProxy.Start(Registry);
        // The shared layer is held back so that both pulls are waiting for it at once.
        proxy.Inject(Fault.Delay(TimeSpan.FromSeconds(1)), pathContains: shared.Digest.ToString(), method: "GET", times: FaultRule.Always);
        var unpacks = new List<string>();
        using var watcher = new FileSystemWatcher(Node.Layout.LayerStaging) { NotifyFilter = NotifyFilters.DirectoryName };
        watcher.Created += (_, e) => { lock (unpacks) unpacks.Add(e.Name!); };
        watcher.EnableRaisingEvents = true;

        var firstProbe = CreateTestProbe();
        var secondProbe = CreateTestProbe();
        Node.Pulls.Tell(new PullImage(proxy.Reference(repo, "first"), ReplyTo: firstProbe));
        Node.Pulls.Tell(new PullImage(proxy.Reference(repo, "second"), ReplyTo: secondProbe));
        var firstOutcome = await ReceivePullAsync(firstProbe);
        var secondOutcome = await ReceivePullAsync(secondProbe);

        var a = firstOutcome.Succeeded;
        var b = secondOutcome.Succeeded;
        Assert.Equal(a.ChainIds[0], b.ChainIds[0]);
        Assert.Single(proxy.RequestsFor(shared.Digest.ToString(), "GET"));
        await EventuallyAsync(() => { lock (unpacks) return unpacks.Count >= 3; }, "three unpacks were seen", TimeSpan.FromSeconds(2));
        lock (unpacks) Assert.Equal(3, unpacks.Distinct().Count());
        Assert.Equal(3, Node.CommittedLayers.Count);
        Assert.Equal(shared.Size, new[] { a, b }.Sum(r => r.BytesShared));
        Assert.Empty(Node.StagingEntries);
    }

    [Fact]
    public async Task A_child_still_unpacking_when_its_parent_fails_removes_its_staging_and_frees_its_cpu_slot()
    {
        // Thousands of empty files: a small blob whose unpack takes a while, so the parent fails in the middle of it.
        var slowUnpack = TestLayer.Build(l =>
        {
            l.Dir("many");
            for (var i = 0; i < 20_000; i++) l.File($"many/f{i:00000}", "");
        });
        var image = TestImage.Oci().Layer(RandomLayer("parent", 10_000, 31)).Layer(slowUnpack).Build();
        var repo = RepoName.Unique("orphan");
        await image.PushAsync(Registry, repo, "1");
        await using var proxy = FaultProxy.Start(Registry);
        var parent = image.Layers[0].Digest.ToString();
        proxy.Inject(Fault.Delay(TimeSpan.FromMilliseconds(300)), pathContains: parent, method: "GET");
        proxy.Inject(Fault.Status(404), pathContains: parent, method: "GET");
        var node = StartNode(maxConcurrentCpuJobs: 1);

        var outcome = await PullAsync(proxy.Reference(repo, "1"));

        Assert.Contains(parent, outcome.Failed.Reason);
        Assert.Contains(LayerStates.Extracting, outcome.StatesOf(slowUnpack.Digest.ToString()));
        await EventuallyAsync(() => node.StagingEntries.Count == 0, "the child's unfinished unpack is removed from staging");
        Assert.Empty(node.CommittedLayers);
        // With one cpu slot, a slot the child kept would stall every later unpack.
        await AssertNodeStillPullsAsync(within: TimeSpan.FromSeconds(15));
    }
}
