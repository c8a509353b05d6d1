using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Cluster;

namespace PullCluster.Actors.Farm;

/// <summary>A member of the farm as the other members need it: its cluster address and where it serves blobs.</summary>
/// <param name="Address">The node's Akka address (<c>akka.ssl.tcp://pullcluster@host:port</c>), as member events name it.</param>
/// <param name="PeerUrl">Its peer HTTP listener (<c>http://host:port</c>); empty when it serves none.</param>
/// <param name="Uid">Its incarnation (Akka's unique address): a node restarted on the same address is another one.</param>
public sealed record FarmNode(string Address, string PeerUrl, long Uid = 0)
{
    [JsonIgnore]
    public bool Serves => PeerUrl.Length > 0;

    /// <summary>
    /// This incarnation: what the farm's choices are keyed by, so that a peer found dead is not confused with the node
    /// restarted on its address (which a receiver that excluded the dead one must still be sent to).
    /// </summary>
    [JsonIgnore]
    public string Key => KeyOf(Address, Uid);

    public static string KeyOf(UniqueAddress member) => KeyOf(member.Address.ToString(), member.Uid);

    private static string KeyOf(string address, long uid) => uid == 0 ? address : $"{address}#{uid}";

    public override string ToString() => Serves ? PeerUrl : Address;
}

/// <summary>A message for the blob authority of one digest, routed by the digest.</summary>
public interface IBlobAuthorityMessage : IFarmMessage
{
    string Digest { get; }
}

/// <summary>
/// A node wants the blob (it holds a download slot for it): where should it get it? Answered with
/// <see cref="FetchFromRegistry"/> or <see cref="FetchFromPeer"/>. Idempotent: asking again (after a timeout, or a hand-off
/// that dropped the answer) gets the same kind of answer while nothing changed. Excluded lists peers that failed this
/// requester for this blob.
/// </summary>
public sealed record AcquireBlob(string Digest, long Size, FarmNode Requester, IReadOnlyList<string> Excluded) : IBlobAuthorityMessage;

/// <summary>The requester is the farm's fetcher of the blob from the registry.</summary>
public sealed record FetchFromRegistry(string Digest) : IFarmMessage;

/// <summary>The requester takes the blob from Source, which holds it or is still receiving it.</summary>
public sealed record FetchFromPeer(string Digest, FarmNode Source) : IFarmMessage;

/// <summary>A node holds the whole blob, verified and durable; it can serve it.</summary>
public sealed record BlobHeld(string Digest, FarmNode Holder) : IBlobAuthorityMessage;

/// <summary>A node stopped getting the blob without holding it (its source failed it, or it gave up).</summary>
public sealed record BlobFetchAbandoned(string Digest, FarmNode Node) : IBlobAuthorityMessage;

/// <summary>An authority that knows nothing of a digest asks every member what it has of it.</summary>
public sealed record WhoHolds(string Digest) : IFarmMessage;

/// <summary>What a node has of a blob.</summary>
public enum HoldingState
{
    None,
    /// <summary>Arriving now (from the registry or a peer); it serves what it has and streams the rest.</summary>
    Receiving,
    Complete,
}

public sealed record Holding(string Digest, FarmNode Node, HoldingState State) : IFarmMessage;

/// <summary>A message that crosses nodes, bound to <see cref="FarmMessageSerializer"/>.</summary>
public interface IFarmMessage;
