using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.TestKit;
using PullCluster.Actors.Blobs;
using PullCluster.Actors.Entities;
using PullCluster.Actors.Farm;
using PullCluster.Actors.Protocol;
using PullCluster.Actors.Scheduling;
using PullCluster.Core.Formats;
using PullCluster.Core.Gateway;
using PullCluster.Tests.Infrastructure;
using Xunit.Abstractions;
using Xunit;

namespace PullCluster.Tests.EndToEnd;

/// <summary>However many pulls ask at once, each blob is fetched from the registry once per node.</summary>
public sealed class SingleflightSpecs(RegistryFixture fixture, ITestOutputHelper output) : EndToEndKit(fixture, output), IClassFixture<RegistryFixture>
{
    private static TestLayer BigLayer(string name, int seed) =>
        TestLayer.Build(l => l.Dir(name).File($"{name}/data", Payload.Random(400_000, seed)));

    private static long BlobBytes(TestImage image) => image.Config.Size + image.Layers.Sum(l => l.Size);

    private static IEnumerable<Digest> Blobs(TestImage image) => image.Layers.Select(l => l.Digest).Append(image.Config.Digest);

    private static Dictionary<string, int> OncePerBlob(IEnumerable<Digest> blobs) => blobs.ToDictionary(d => d.ToString(), _ => 1);

    private Dictionary<string, int> GetsPerBlob(AccessLogMark mark) =>
        Registry.AccessLog.GetsPerBlob(mark).ToDictionary(g => g.Key.ToString(), g => g.Value);

    private static TestImage ThreeLayers(int seed) => TestImage.Oci()
        .Layer(BigLayer("base", seed))
        .Layer(BigLayer("middle", seed + 1))
        .Layer(BigLayer("top", seed + 2))
        .Build();

    private async Task<IReadOnlyList<PullSucceeded>> PullConcurrentlyAsync(string reference, int pulls)
    {
        var probes = Enumerable.Range(0, pulls).Select(_ => CreateTestProbe()).ToList();
        foreach (var probe in probes) Node.Pulls.Tell(new PullImage(reference, ReplyTo: probe));
        var outcomes = await Task.WhenAll(probes.Select(ReceivePullAsync));
        return outcomes.Select(o => o.Succeeded).ToList();
    }

    [Fact]
    public async Task Twenty_concurrent_pulls_of_one_image_fetch_each_blob_once_and_a_later_pull_none()
    {
        var image = ThreeLayers(1);
        var pushed = await image.PushAsync(Registry, RepoName.Unique("twenty"), "1");
        var mark = Registry.AccessLog.Mark();

        var results = await PullConcurrentlyAsync(pushed.TagReference, 20);

        Assert.Equal(20, results.Count);
        Assert.All(results, r => Assert.Equal(image.Digest.ToString(), r.ManifestDigest));
        await Registry.AccessLog.WaitForQuietAsync();
        Assert.Equal(OncePerBlob(Blobs(image)), GetsPerBlob(mark));
        Assert.Equal(BlobBytes(image), Registry.AccessLog.ServedBlobBytes(mark));
        Assert.Equal(image.Layers.Count, Node.CommittedLayers.Count);

        var again = await PullAsync(pushed.TagReference);
        var second = again.Succeeded;
        Assert.Equal((0L, 0L, BlobBytes(image)), (second.BytesFetched, second.BytesShared, second.BytesReused));
        Assert.All(image.Layers, l => Assert.Equal(LayerStates.Exists, again.StatesOf(l.Digest.ToString())[^1]));
        Assert.All(image.Layers, l => Assert.DoesNotContain(LayerStates.Downloading, again.StatesOf(l.Digest.ToString())));
        await Registry.AccessLog.WaitForQuietAsync();
        Assert.Equal(BlobBytes(image), Registry.AccessLog.ServedBlobBytes(mark));
    }

    [Fact]
    public async Task Twenty_concurrent_pulls_of_one_image_count_the_fetched_bytes_once_between_them()
    {
        var image = ThreeLayers(4);
        var pushed = await image.PushAsync(Registry, RepoName.Unique("twenty-bytes"), "1");

        var results = await PullConcurrentlyAsync(pushed.TagReference, 20);

        // The twenty callers attach to one running pull. The registry served each byte once, so the results may
        // claim it as fetched once: one caller fetched, the other nineteen waited for that download (shared).
        Assert.All(results, r => Assert.Equal(BlobBytes(image), r.BytesFetched + r.BytesShared + r.BytesReused));
        Assert.Equal(BlobBytes(image), results.Sum(r => r.BytesFetched));
        Assert.Single(results, r => r.BytesFetched > 0);
        Assert.Equal(19, results.Count(r => r.BytesShared == BlobBytes(image)));
    }

    [Fact]
    public async Task Two_images_sharing_their_base_layers_fetch_the_shared_blobs_once()
    {
        var base1 = BigLayer("base1", 11);
        var base2 = BigLayer("base2", 12);
        var app = TestImage.Oci().Layer(base1).Layer(base2).Layer(BigLayer("app", 13)).Build();
        var web = TestImage.Oci().Layer(base1).Layer(base2).Layer(BigLayer("web", 14))
            .EditConfig(c => c["config"]!["Cmd"] = new System.Text.Json.Nodes.JsonArray("/web")).Build();
        var repo = RepoName.Unique("shared");
        var appRef = (await app.PushAsync(Registry, repo, "app")).TagReference;
        var webRef = (await web.PushAsync(Registry, repo, "web")).TagReference;
        var mark = Registry.AccessLog.Mark();

        var appProbe = CreateTestProbe();
        var webProbe = CreateTestProbe();
        Node.Pulls.Tell(new PullImage(appRef, ReplyTo: appProbe));
        Node.Pulls.Tell(new PullImage(webRef, ReplyTo: webProbe));
        var appResult = (await ReceivePullAsync(appProbe)).Succeeded;
        var webResult = (await ReceivePullAsync(webProbe)).Succeeded;

        await Registry.AccessLog.WaitForQuietAsync();
        Assert.Equal(OncePerBlob(Blobs(app).Union(Blobs(web))), GetsPerBlob(mark));
        Assert.Equal(BlobBytes(app), appResult.BytesFetched + appResult.BytesShared + appResult.BytesReused);
        Assert.Equal(BlobBytes(web), webResult.BytesFetched + webResult.BytesShared + webResult.BytesReused);
        var distinct = BlobBytes(app) + BlobBytes(web) - base1.Size - base2.Size;
        Assert.Equal(distinct, appResult.BytesFetched + webResult.BytesFetched);
        Assert.Equal(4, Node.CommittedLayers.Count);
        Assert.Equal(appResult.ChainIds.Take(2), webResult.ChainIds.Take(2));
    }

    [Fact]
    public async Task Ten_requests_for_one_blob_make_one_download_one_fetched_and_nine_shared()
    {
        var layer = BigLayer("blob", 21);
        var image = TestImage.Oci().Layer(layer).Build();
        var repo = RepoName.Unique("blob");
        await image.PushAsync(Registry, repo, "1");
        await using var proxy = FaultProxy.Start(Registry);
        // Held back long enough that all ten requests are waiting before a byte arrives.
        proxy.Inject(Fault.Delay(TimeSpan.FromMilliseconds(500)), pathContains: layer.Digest.ToString(), method: "GET");
        var mark = Registry.AccessLog.Mark();
        // A region of its own beside the node's, sharing the node's store and journal.
        var services = Node.Services;
        var journal = await Sys.ActorSelection("/user/journal").ResolveOne(Patience);
        var downloads = Sys.ActorOf(WorkSlots.Props("downloads", 4));
        var authority = ClusterSharding.Get(Sys).ShardRegion(BlobAuthorityRouting.TypeName);
        var self = new FarmNode(Akka.Cluster.Cluster.Get(Sys).SelfAddress.ToString(), "");
        var blobs = Sys.ActorOf(LocalEntityRegion.Props((id, _) => BlobActor.Props(Digest.Parse(id), services, downloads, journal, authority, self)));
        var source = ImageReference.Parse(proxy.Reference(repo, "1"));
        var descriptor = new Descriptor(image.LayerDescriptors[0].MediaType, layer.Digest, layer.Size);

        var probes = Enumerable.Range(0, 10).Select(_ => CreateTestProbe()).ToList();
        foreach (var probe in probes) blobs.Tell(new FetchBlob(source, descriptor), probe);
        var answers = probes.Select(p => p.FishForMessage<BlobAvailable>(_ => true, Patience)).ToList();

        Assert.Equal((BlobOrigin.Fetched, layer.Size), (answers[0].Origin, answers[0].FromRegistry));
        Assert.All(answers.Skip(1), a => Assert.Equal((BlobOrigin.Shared, 0L), (a.Origin, a.FromRegistry)));
        Assert.All(answers, a => Assert.Equal(Node.Services.Content.PathOf(layer.Digest), a.Path));
        Assert.Equal(layer.Blob, File.ReadAllBytes(answers[0].Path));
        Assert.Single(proxy.RequestsFor(layer.Digest.ToString(), "GET"));
        await Registry.AccessLog.WaitForQuietAsync();
        Assert.Equal(1, Registry.AccessLog.GetsPerBlob(mark)[layer.Digest]);

        var late = CreateTestProbe();
        blobs.Tell(new FetchBlob(source, descriptor), late);
        Assert.Equal((BlobOrigin.Stored, 0L), late.FishForMessage<BlobAvailable>(_ => true, Patience) is var a ? (a.Origin, a.FromRegistry) : default);
        Assert.Single(proxy.RequestsFor(layer.Digest.ToString(), "GET"));
    }

    [Fact]
    public async Task A_pull_leaves_no_message_unhandled()
    {
        var image = TestImage.Oci().Layer(BigLayer("unhandled", 31)).Build();
        var pushed = await image.PushAsync(Registry, RepoName.Unique("unhandled"), "1");
        var unhandled = CreateTestProbe();
        Sys.EventStream.Subscribe(unhandled.Ref, typeof(UnhandledMessage));

        _ = (await PullAsync(pushed.TagReference)).Succeeded;

        // Progress of the config blob, for instance, must be handled (or not sent), not dropped as unhandled.
        var seen = unhandled.ReceiveWhile<UnhandledMessage>(TimeSpan.FromMilliseconds(300), m => (UnhandledMessage)m);
        Assert.True(seen.Count == 0,
            $"{seen.Count} unhandled messages, e.g. {string.Join("; ", seen.Take(3).Select(m => $"{m.Message.GetType().Name} to {m.Recipient.Path}"))}");
    }

    [Fact]
    public async Task Pulls_requested_just_as_the_same_pull_finishes_still_get_a_result()
    {
        var image = TestImage.Oci().Layer(l => l.File("small", "layer")).Build();
        var pushed = await image.PushAsync(Registry, RepoName.Unique("finishing"), "1");
        _ = (await PullAsync(pushed.TagReference)).Succeeded;

        // Once stored, the image pulls in a few milliseconds, so during a steady stream of requests for it several
        // pulls start and finish. Every request must be answered: by the pull it attached to or by a new one, also
        // when it reaches the node just after a pull answered and while its coordinator is stopping.
        var probes = new List<TestProbe>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 1000; i++)
        {
            var probe = CreateTestProbe();
            probes.Add(probe);
            Node.Pulls.Tell(new PullImage(pushed.TagReference, ReplyTo: probe));
            var next = clock.Elapsed + TimeSpan.FromMilliseconds(0.4);
            while (clock.Elapsed < next) Thread.SpinWait(20);
        }
        var outcomes = await Task.WhenAll(probes.Select(ResultOrNullAsync));

        var lost = outcomes.Count(o => o is null);
        Assert.True(lost == 0, $"{lost} of {outcomes.Length} PullImage requests were never answered");
        Assert.All(outcomes, o => Assert.IsType<PullSucceeded>(o));
    }

    private static async Task<object?> ResultOrNullAsync(TestProbe probe)
    {
        try
        {
            return (await ReceivePullAsync(probe, TimeSpan.FromSeconds(5))).Result;
        }
        catch (Xunit.Sdk.XunitException)
        {
            return null;
        }
    }
}
