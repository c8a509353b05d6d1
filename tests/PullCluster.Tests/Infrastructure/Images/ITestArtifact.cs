using PullCluster.Core.Formats;

namespace PullCluster.Tests.Infrastructure;

/// <summary>A built image or index that can be pushed to a registry or written as an OCI image layout.</summary>
public interface ITestArtifact
{
    /// <summary>The top-level manifest or index, exactly as pushed.</summary>
    TestBlob Manifest { get; }

    Digest Digest => Manifest.Digest;

    /// <summary>
    /// Pushes blobs (skipping those the repository already has), child manifests by digest, then the top manifest
    /// under <paramref name="tag"/>; then replaces the stored bytes of blobs the image asked to corrupt.
    /// </summary>
    Task<PushResult> PushAsync(RegistryProcess registry, string repository, string tag);

    /// <summary>
    /// Writes the same bytes as an OCI image layout (adding to an existing one) with <paramref name="tag"/> as the
    /// <c>org.opencontainers.image.ref.name</c> of the top manifest in index.json.
    /// </summary>
    void WriteOciLayout(string layoutDir, string tag);
}

/// <summary>A blob to upload, and what the store should hold instead once it is uploaded (to corrupt it).</summary>
internal sealed record BlobUpload(Digest Digest, string MediaType, byte[] Bytes, byte[]? StoredBytes = null)
{
    public Descriptor Descriptor => new(MediaType, Digest, Bytes.Length);
}

internal sealed record ArtifactContent(IReadOnlyList<BlobUpload> Blobs, IReadOnlyList<TestBlob> ChildManifests, TestBlob Top);
