using PullCluster.Core.Formats;

namespace PullCluster.Core.Registry;

/// <summary>A manifest body exactly as the registry served it, with the digest its bytes hash to.</summary>
public sealed record FetchedManifest(Digest Digest, string MediaType, byte[] Bytes);
