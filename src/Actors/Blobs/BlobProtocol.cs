using Akka.Actor;
using PullCluster.Actors.Entities;
using PullCluster.Actors.Layers;
using PullCluster.Core.Formats;

namespace PullCluster.Actors.Blobs;

/// <summary>How a requester came by a blob, for the pull's byte accounting.</summary>
public enum BlobOrigin
{
    /// <summary>Transferred (from the registry or a peer) because this requester asked first.</summary>
    Fetched,
    /// <summary>Another requester's transfer on this node was already under way; this one waited for it.</summary>
    Shared,
    /// <summary>Already in the content store.</summary>
    Stored,
}

/// <summary>Ask the BlobActor for Blob.Digest to make the blob available in the content store.</summary>
public sealed record FetchBlob(ImageReference Source, Descriptor Blob) : IEntityMessage, INodeMessage
{
    public string EntityId => Blob.Digest.ToString();
}

public sealed record BlobFetchProgress(Digest Digest, long Done, long Total, LayerPhase State) : INodeMessage;

/// <summary>
/// The blob is verified and durable at Path. FromRegistry and FromPeers count the bytes this transfer took from each;
/// the rest of the blob was already on the node (a partial download resumed). Node-local: Path is a file of this
/// node's content store.
/// </summary>
public sealed record BlobAvailable(Descriptor Blob, string Path, BlobOrigin Origin, long FromRegistry, long FromPeers)
    : INoSerializationVerificationNeeded;

public sealed record BlobFetchFailed(Digest Digest, string Reason) : INodeMessage;
