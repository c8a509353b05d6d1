using PullCluster.Core.Formats;

namespace PullCluster.Core.Peers;

/// <summary>The HTTP paths peers serve each other on their <c>--http</c> listener.</summary>
public static class PeerProtocol
{
    public const string BlobsPrefix = "/pullcluster/v1/blobs/";

    public static string BlobPath(Digest digest) => BlobsPrefix + digest;
}
