using PullCluster.Actors.Farm;
using PullCluster.Core.Formats;
using PullCluster.Core.Layers;
using PullCluster.Core.Peers;
using PullCluster.Core.Registry;
using PullCluster.Core.Store;

namespace PullCluster.Actors;

/// <summary>The non-actor parts a node's actors share: settings, the store, the registry client and the peer client.</summary>
public sealed class NodeServices : IDisposable
{
    /// <param name="secret">The farm's secret; null: an ephemeral one (a node of its own).</param>
    /// <param name="peerUrl">Where this node serves blobs to its peers (<c>http://host:port</c>); empty: nowhere.</param>
    public NodeServices(PullClusterSettings settings, ClusterSecret? secret = null, string peerUrl = "")
    {
        Settings = settings;
        Layout = new StoreLayout(settings.StoreRoot);
        Layout.EnsureCreated();
        Content = new ContentStore(Layout);
        Layers = new LayerStore(Layout, settings.SyncLayers);
        Images = new ImageStore(Layout);
        Registry = new RegistryClient(settings.Registry);
        Secret = secret ?? ClusterSecret.Ephemeral();
        PeerUrl = peerUrl;
        // The name a signed request carries, which the serving peer logs: where this node itself serves, else its host.
        PeerSigner = new PeerRequestSigner(Secret, peerUrl.Length > 0 ? peerUrl : Environment.MachineName);
        Peers = new PeerClient(PeerSigner);
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
    public ClusterSecret Secret { get; }
    public string PeerUrl { get; }
    public PeerRequestSigner PeerSigner { get; }
    public PeerClient Peers { get; }
    public LayerApplyOptions ApplyOptions { get; }

    /// <summary>What this node has of a blob, for the farm's authority.</summary>
    public HoldingState HoldingOf(Digest digest) =>
        Content.Has(digest) ? HoldingState.Complete : Content.InFlight.Find(digest) is not null ? HoldingState.Receiving : HoldingState.None;

    public void Dispose()
    {
        Registry.Dispose();
        Peers.Dispose();
    }
}
