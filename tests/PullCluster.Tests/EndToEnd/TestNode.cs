using Akka.Actor;
using PullCluster.Actors;
using PullCluster.Core.Formats;
using PullCluster.Core.Store;
using PullCluster.Tests.Infrastructure;
using CoreRegistryOptions = PullCluster.Core.Registry.RegistryOptions;

namespace PullCluster.Tests.EndToEnd;

/// <summary>
/// A node's actors started in a test's actor system, with a store of its own in a temp directory. Layers are not
/// synced on commit: durability is not under test here and syncfs on a shared disk only slows the suite.
/// </summary>
internal sealed class TestNode : IDisposable
{
    private TestNode(TempDir store, NodeServices services, IActorRef pulls)
    {
        Dir = store;
        Services = services;
        Pulls = pulls;
    }

    public static TestNode Start(ActorSystem system, string label, int maxConcurrentCpuJobs = 2)
    {
        var store = TempDir.Create(label);
        // The machine's own ~/.docker must not decide what a test's registry sees.
        var options = new CoreRegistryOptions
        {
            ReadCredentialFiles = false,
            HomeDirectory = store.Path,
            InitialBackoff = TimeSpan.FromMilliseconds(100),
        };
        var settings = new PullClusterSettings(
            StoreRoot: store.Combine("store"),
            MaxConcurrentDownloads: 8,
            MaxConcurrentCpuJobs: maxConcurrentCpuJobs,
            SyncLayers: false,
            ProgressInterval: TimeSpan.FromMilliseconds(50),
            Registry: options);
        var services = new NodeServices(settings);
        return new TestNode(store, services, PullNode.Start(system, services));
    }

    /// <summary>The test's temp directory; the store is its <c>store</c> subdirectory, the rest is scratch space.</summary>
    public TempDir Dir { get; }

    public NodeServices Services { get; }

    public IActorRef Pulls { get; }

    public StoreLayout Layout => Services.Layout;

    public IReadOnlyList<Digest> CommittedLayers => Services.Layers.List().ToList();

    public IReadOnlyList<Digest> StoredBlobs => Services.Content.List().ToList();

    public IReadOnlyList<string> StagingEntries => Directory.GetFileSystemEntries(Layout.LayerStaging);

    /// <summary>A fresh path in the test's temp directory, outside the store.</summary>
    public string Scratch(string name) => Dir.Combine($"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)]);

    public void Dispose()
    {
        Services.Dispose();
        Dir.Dispose();
    }
}
