using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using PullCluster.Actors;
using PullCluster.Actors.Protocol;
using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PullCluster.Tests.EndToEnd;

/// <summary>
/// Base of the end-to-end specs: an actor system per test (TestKit), the class's registry, and a node with its own
/// store (and journal) in a temp directory, started on first use. Timeouts are generous because the machine is
/// shared with other builds.
/// </summary>
public abstract class EndToEndKit : Akka.TestKit.Xunit2.TestKit
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // serialize-messages puts every message between actors through its serializer and delivers the copy, so a
    // message that would not survive crossing processes (a node-local value in an API message, a type without a
    // contract) fails here rather than in a cluster; ContractedMessagesOnly keeps Akka's own messages out of it.
    // Props are not messages of ours: serialize-creators stays off.
    private const string AkkaConfig = """
        akka.loglevel = INFO
        akka.stdout-loglevel = WARNING
        akka.log-dead-letters = off
        akka.actor.serialize-messages = on
        akka.actor.serialize-creators = off
        """;

    private readonly TempDir _dir;
    private readonly Config _config;
    private TestNode? _node;

    protected EndToEndKit(RegistryFixture fixture, ITestOutputHelper output) : this(fixture, output, TempDir.Create("e2e"))
    {
    }

    private EndToEndKit(RegistryFixture fixture, ITestOutputHelper output, TempDir dir) : this(fixture, output, dir, NodeConfig(dir))
    {
    }

    private EndToEndKit(RegistryFixture fixture, ITestOutputHelper output, TempDir dir, Config config) : base(config, "test", output)
    {
        _dir = dir;
        _config = config;
        Registry = fixture.Registry;
    }

    private static Config NodeConfig(TempDir dir) =>
        ConfigurationFactory.ParseString(AkkaConfig)
            .WithFallback(PullNode.AkkaConfig(TestNode.Settings(dir)))
            .WithFallback(ContractedMessagesOnly.AkkaConfig);

    protected RegistryProcess Registry { get; }

    internal TestNode Node => _node ??= StartNode();

    /// <summary>Starts this test's node with non-default settings; call before anything touches <see cref="Node"/>.</summary>
    internal TestNode StartNode(int maxConcurrentCpuJobs = 2, long maxLayerBytes = 64L << 30)
    {
        if (_node is not null) throw new InvalidOperationException("this test's node is already running");
        return _node = TestNode.Start(Sys, _dir, maxConcurrentCpuJobs, maxLayerBytes);
    }

    /// <summary>
    /// A node on this test's store in an actor system of its own, to run before <see cref="Node"/> does: terminating
    /// that system and then using <see cref="Node"/> is a node restart. Only one of them may run at a time. Its callers
    /// are probes of that system (<c>CreateTestProbe(system)</c>): under serialize-messages an actor reference goes by
    /// its path, and a system without remoting resolves no path of another.
    /// </summary>
    internal (ActorSystem System, TestNode Node) StartEarlierNode()
    {
        if (_node is not null) throw new InvalidOperationException("this test's node is already running on the store");
        var system = ActorSystem.Create("earlier", _config);
        return (system, TestNode.Start(system, _dir));
    }

    /// <summary>Sends PullImage for a probe of its own and collects everything the probe receives up to the result.</summary>
    internal async Task<PullOutcome> PullAsync(string image, string? platform = null, TimeSpan? within = null)
    {
        var probe = CreateTestProbe();
        Node.Pulls.Tell(new PullImage(image, platform, probe));
        return await ReceivePullAsync(probe, within ?? Patience);
    }

    internal static Task<PullOutcome> ReceivePullAsync(TestProbe probe) => ReceivePullAsync(probe, Patience);

    internal static async Task<PullOutcome> ReceivePullAsync(TestProbe probe, TimeSpan within)
    {
        var progress = new List<PullProgress>();
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var message = left > TimeSpan.Zero ? await probe.ReceiveOneAsync(left) : null;
            switch (message)
            {
                case null:
                    throw new XunitException($"no pull result within {within}; {progress.Count} progress events, last: " +
                        (progress.Count == 0 ? "none" : string.Join(", ", progress[^1].Layers.Select(l => $"{l.Digest[..19]} {l.State}"))));
                case PullProgress p:
                    progress.Add(p);
                    break;
                case PullSucceeded or PullFailed:
                    return new PullOutcome(progress, message);
                default:
                    throw new XunitException($"unexpected message while pulling: {message}");
            }
        }
    }

    /// <summary>Pushes a small image of its own and pulls it: the node still works after whatever the test did to it.</summary>
    internal async Task AssertNodeStillPullsAsync(TimeSpan? within = null)
    {
        var image = TestImage.Oci().Layer(l => l.File("healthy", Guid.NewGuid().ToString())).Build();
        var pushed = await image.PushAsync(Registry, RepoName.Unique("healthy"), "1");
        var result = (await PullAsync(pushed.TagReference, within: within)).Succeeded;
        Assert.Equal(image.Digest.ToString(), result.ManifestDigest);
    }

    /// <summary>Asks the node's PullManager for an image operation (list, remove, rootfs, export).</summary>
    internal async Task<object> AskNodeAsync(object request) => await Node.Pulls.Ask<object>(request, Patience);

    internal async Task<ImageOperationDone> ImageOperationAsync(object request) => await AskNodeAsync(request) switch
    {
        ImageOperationDone done => done,
        ImageOperationFailed failed => throw new XunitException($"{request} failed: {failed.Reason}"),
        var other => throw new XunitException($"{request} answered {other}"),
    };

    /// <summary>MaterializeRootfs into a fresh scratch directory; returns the directory.</summary>
    internal async Task<string> MaterializeAsync(string image, string? platform = null)
    {
        var dir = Node.Scratch("rootfs");
        await ImageOperationAsync(new MaterializeRootfs(image, dir, Platform: platform));
        return dir;
    }

    /// <summary>What umoci, the reference unpacker, makes of <paramref name="artifact"/> written as an OCI layout.</summary>
    internal async Task<string> UmociRootfsAsync(ITestArtifact artifact)
    {
        var layout = Node.Scratch("layout");
        artifact.WriteOciLayout(layout, "expected");
        return await Umoci.UnpackAsync(layout, "expected", Node.Scratch("bundle"));
    }

    internal static void AssertSameTree(string expectedDir, string actualDir) =>
        Assert.Empty(FileTree.Diff(FileTree.Capture(expectedDir), FileTree.Capture(actualDir)));

    /// <summary>
    /// Polls until <paramref name="condition"/> holds, for effects the node completes after replying (cleanup). The
    /// default wait is long because the suite runs farms of node processes beside these specs on two cores.
    /// </summary>
    internal static async Task EventuallyAsync(Func<bool> condition, string what, TimeSpan? within = null)
    {
        var wait = within ?? TimeSpan.FromSeconds(30);
        var deadline = DateTime.UtcNow + wait;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new XunitException($"not within {wait}: {what}");
            await Task.Delay(20);
        }
    }

    protected override void Dispose(bool disposing)
    {
        // The actor system goes first, so no actor is still writing into the store when it is deleted.
        base.Dispose(disposing);
        if (!disposing) return;
        _node?.Dispose();
        _dir.Dispose();
        // serialize-messages only logs a message it could not serialize (and drops it): make that a failure.
        if (!ContractedMessagesOnly.Uncontracted.IsEmpty)
            throw new XunitException("sent between actors without a wire contract: " + string.Join(", ", ContractedMessagesOnly.Uncontracted.Keys));
    }
}
