using PullCluster.Core.Layers;
using PullCluster.Core.Registry;
using PullCluster.Core.Store;

namespace PullCluster.Actors;

/// <summary>The non-actor parts a node's actors share: settings, the store and the registry client.</summary>
public sealed class NodeServices : IDisposable
{
    public NodeServices(PullClusterSettings settings)
    {
        Settings = settings;
        Layout = new StoreLayout(settings.StoreRoot);
        Layout.EnsureCreated();
        Content = new ContentStore(Layout);
        Layers = new LayerStore(Layout, settings.SyncLayers);
        Images = new ImageStore(Layout);
        Registry = new RegistryClient(settings.Registry);
        ApplyOptions = new LayerApplyOptions
        {
            MaxUncompressedBytes = settings.MaxLayerBytes,
            MaxExpansionRatio = settings.MaxExpansionRatio,
        };
    }

    public PullClusterSettings Settings { get; }
    public StoreLayout Layout { get; }
    public ContentStore Content { get; }
    public LayerStore Layers { get; }
    public ImageStore Images { get; }
    public RegistryClient Registry { get; }
    public LayerApplyOptions ApplyOptions { get; }

    public void Dispose() => Registry.Dispose();
}
