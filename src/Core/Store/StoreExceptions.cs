using PullCluster.Core.Formats;

namespace PullCluster.Core.Store;

/// <summary>A blob whose bytes do not match what the manifest promised; it never enters the store.</summary>
public sealed class BlobVerificationException(Digest digest, string message) : Exception($"blob {digest}: {message}")
{
    public Digest Digest { get; } = digest;
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
