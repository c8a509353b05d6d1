using PullCluster.Core.Formats;

namespace PullCluster.Core.Store;

/// <summary>A blob whose bytes do not match what the manifest promised; it never enters the store.</summary>
public sealed class BlobVerificationException(Digest digest, string message) : Exception($"blob {digest}: {message}")
{
    public Digest Digest { get; } = digest;
}
