using Akka.Cluster.Sharding;

namespace PullCluster.Actors.Farm;

/// <summary>
/// Where the farm routes: every <see cref="IBlobAuthorityMessage"/> goes to the <see cref="BlobAuthority"/> of its digest,
/// digests hashed over a fixed number of shards that Sharding spreads over the members.
/// </summary>
public sealed class BlobAuthorityRouting(int shards) : HashCodeMessageExtractor(shards)
{
    public const string TypeName = "blob-authority";

    /// <summary>Ten per node of a large farm; a shard is only a unit of placement, cheap when empty.</summary>
    public const int DefaultShards = 1000;

    public override string? EntityId(object message) => (message as IBlobAuthorityMessage)?.Digest;
}
