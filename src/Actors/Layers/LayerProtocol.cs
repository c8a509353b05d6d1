using Akka.Actor;
using PullCluster.Actors.Blobs;
using PullCluster.Actors.Entities;
using PullCluster.Core.Formats;

namespace PullCluster.Actors.Layers;

/// <summary>Make the layer with ChainId available: fetch Blob, unpack it, commit it once Parent is committed.</summary>
public sealed record CommitLayer(ImageReference Source, Descriptor Blob, Digest DiffId, Digest ChainId, Digest? Parent) : IEntityMessage, INodeMessage
{
    public string EntityId => ChainId.ToString();
}

/// <summary>A child layer's actor waits for its parent chain to be committed before committing itself.</summary>
public sealed record AwaitLayer(Digest ChainId) : IEntityMessage, INodeMessage
{
    public string EntityId => ChainId.ToString();
}

public sealed record LayerStatus(Digest ChainId, Digest Blob, long Done, long Total, LayerPhase State) : INodeMessage;

/// <summary>
/// Origin, FromRegistry and FromPeers say how this requester came by the layer's blob, for its byte accounting.
/// Node-local: Path is a directory of this node's layer store.
/// </summary>
public sealed record LayerCommitted(Digest ChainId, string Path, BlobOrigin Origin, long FromRegistry, long FromPeers)
    : INoSerializationVerificationNeeded;

public sealed record LayerFailed(Digest ChainId, string Reason) : INodeMessage;
