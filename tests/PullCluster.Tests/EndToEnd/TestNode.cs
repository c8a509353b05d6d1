using Akka.Actor;
using PullCluster.Actors;
using PullCluster.Core.Formats;
using PullCluster.Core.Store;
using PullCluster.Tests.Infrastructure;
using CoreRegistryOptions = PullCluster.Core.Registry.RegistryOptions;

namespace PullCluster.Tests.EndToEnd;

/// <summary>
/// A node's actors started in a test's actor system, with a store of its own in the test's temp directory. Layers
/// are not synced on commit: durability is not under test here and syncfs on a shared disk only slows the suite.
/// </summary>
internal sealed class TestNode : IDisposable
{
    private TestNode(TempDir dir, NodeServices services, IActorRef pulls)
    {
        Dir = dir;
        Services = services;
        Pulls = pulls;
    }

    /// <summary>The node's settings with its store under <paramref name="dir"/>; the actor system needs them for its journal.</summary>
    public static PullClusterSettings Settings(TempDir dir, int maxConcurrentCpuJobs = 2, long maxLayerBytes = 64L << 30) => new(
        StoreRoot: dir.Combine("store"),
        MaxConcurrentDownloads: 8,
        MaxConcurrentCpuJobs: maxConcurrentCpuJobs,
        SyncLayers: false,
        ProgressInterval: TimeSpan.FromMilliseconds(50),
        // The machine's own ~/.docker must not decide what a test's registry sees.
        Registry: new CoreRegistryOptions
        {
            ReadCredentialFiles = false,
            HomeDirectory = dir.Path,
            InitialBackoff = TimeSpan.FromMilliseconds(100),
        },
        MaxLayerBytes: maxLayerBytes);

    public static TestNode Start(ActorSystem system, TempDir dir, int maxConcurrentCpuJobs = 2, long maxLayerBytes = 64L << 30)
    {
        var services = new NodeServices(Settings(dir, maxConcurrentCpuJobs, maxLayerBytes));
        return new TestNode(dir, services, PullNode.Start(system, services));
    }

    /// <summary>The test's temp directory: the store is its <c>store</c> subdirectory, the rest is scratch space.</summary>
    public TempDir Dir { get; }

    public NodeServices Services { get; }

    public IActorRef Pulls { get; }

    public StoreLayout Layout => Services.Layout;

    public IReadOnlyList<Digest> CommittedLayers => Services.Layers.List().ToList();

    public IReadOnlyList<Digest> StoredBlobs => Services.Content.List().ToList();

    public IReadOnlyList<string> StagingEntries => Directory.GetFileSystemEntries(Layout.LayerStaging);

    /// <summary>A fresh path in the test's temp directory, outside the store.</summary>
    public string Scratch(string name) => Dir.Combine($"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)]);

    public void Dispose() => Services.Dispose();
}
