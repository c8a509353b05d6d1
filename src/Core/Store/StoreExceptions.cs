using PullCluster.Core.Formats;

namespace PullCluster.Core.Store;

/// <summary>A blob whose bytes do not match what the manifest promised; it never enters the store.</summary>
public sealed class BlobVerificationException(Digest digest, string message) : Exception($"blob {digest}: {message}")
{
    public Digest Digest { get; } = digest;
}

/// <summary>The store neither holds the blob nor is ingesting it.</summary>
public sealed class BlobNotFoundException(Digest digest) : FileNotFoundException($"blob {digest} is not in the store")
{
    public Digest Digest { get; } = digest;
}

/// <summary>
/// The ingest a reader was following was abandoned before it committed (its digest failed, the source restarted
/// the blob, or the download was given up): the bytes read so far may not be the blob's.
/// </summary>
public sealed class InFlightBlobAbortedException(Digest digest, string reason)
    : IOException($"blob {digest}: the download being read in flight was abandoned: {reason}")
{
    public Digest Digest { get; } = digest;
    public string Reason { get; } = reason;
}

/// <summary>
/// No record of the image for the platform asked for. <see cref="Available"/> lists the platforms the reference
/// does have records for (none when it was never pulled).
/// </summary>
public sealed class ImageNotFoundException(string reference, string? platform, IReadOnlyList<string> available)
    : Exception(available.Count == 0
        ? $"image {reference} is not in the store (see 'pullcluster image ls')"
        : $"image {reference} has no record for {platform}; it was pulled for {string.Join(", ", available)} (name one with --platform)")
{
    public string Reference { get; } = reference;
    public string? Platform { get; } = platform;
    public IReadOnlyList<string> Available { get; } = available;
}
