using PullCluster.Core.Formats;

namespace PullCluster.Core.Peers;

/// <summary>A blob transfer from a peer that failed, naming the peer, the blob and the HTTP status or transport error.</summary>
public sealed class PeerException(Uri peer, Digest digest, string detail, int? statusCode = null, Exception? inner = null)
    : Exception($"peer {PeerName(peer)}: blob {digest}: {detail}", inner)
{
    public Uri Peer { get; } = peer;
    public Digest Digest { get; } = digest;

    /// <summary>The peer's HTTP status, when it answered.</summary>
    public int? StatusCode { get; } = statusCode;

    public string Detail { get; } = detail;

    internal static string PeerName(Uri peer) => peer.GetLeftPart(UriPartial.Authority);
}
