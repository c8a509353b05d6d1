using PullCluster.Core.Formats;

namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// What a push put into a registry: the manifest (or index) under a tag, the blobs (configs and layers) and, for an
/// index, the platform manifests it lists.
/// </summary>
public sealed record PushResult(
    string Registry,
    string Repository,
    string Tag,
    Descriptor Manifest,
    IReadOnlyList<Descriptor> Blobs,
    IReadOnlyList<Descriptor> ChildManifests)
{
    public Digest ManifestDigest => Manifest.Digest;

    /// <summary><c>127.0.0.1:port/repo:tag</c></summary>
    public string TagReference => $"{Registry}/{Repository}:{Tag}";

    /// <summary><c>127.0.0.1:port/repo@sha256:…</c></summary>
    public string DigestReference => $"{Registry}/{Repository}@{ManifestDigest}";
}
