using System.Collections.Concurrent;
using System.Formats.Tar;
using PullCluster.Core.Formats;

namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// A built layer: the uncompressed tar, the compressed blob a registry serves, its digest and its diff_id.
/// Build once and reuse in several images to make them share a layer (same digest, same blob in the registry).
/// </summary>
public sealed class TestLayer
{
    private static readonly ConcurrentDictionary<(string, long, LayerCompression, string), Lazy<TestLayer>> DirectoryLayers = new();

    private TestLayer(byte[]? tar, byte[] blob, LayerCompression compression, Digest diffId, long uncompressedSize, string? mediaType)
    {
        Tar = tar;
        Blob = blob;
        Compression = compression;
        Digest = Digest.Sha256(blob);
        DiffId = diffId;
        UncompressedSize = uncompressedSize;
        MediaTypeOverride = mediaType;
    }

    /// <summary>The uncompressed tar; null for layers built by streaming (see <see cref="MaliciousLayers.ZeroBomb"/>).</summary>
    public byte[]? Tar { get; }

    /// <summary>The bytes as pushed and served.</summary>
    public byte[] Blob { get; }

    public LayerCompression Compression { get; }

    public Digest Digest { get; }

    /// <summary>sha256 of the uncompressed tar, as the config's rootfs.diff_ids lists it.</summary>
    public Digest DiffId { get; }

    public long Size => Blob.Length;

    public long UncompressedSize { get; }

    /// <summary>When set, manifests use this media type instead of the one the flavor and compression imply.</summary>
    public string? MediaTypeOverride { get; }

    public string MediaType(ImageFlavor flavor) => MediaTypeOverride ?? flavor.Layer(Compression);

    public static TestLayer Build(Action<LayerBuilder> describe, LayerCompression compression = LayerCompression.Gzip)
    {
        var builder = new LayerBuilder();
        describe(builder);
        return FromTar(builder.ToTar(), compression);
    }

    /// <summary>A layer from arbitrary tar bytes (hand-made, truncated, or not a tar at all).</summary>
    public static TestLayer FromTar(byte[] tar, LayerCompression compression = LayerCompression.Gzip) =>
        new(tar, LayerCompressor.Compress(tar, compression), compression, Digest.Sha256(tar), tar.Length, null);

    /// <summary>
    /// A layer whose blob is exactly <paramref name="blob"/> and whose diff_id is whatever the test claims: for
    /// corrupt compressed streams, wrong diff_ids and unknown media types.
    /// </summary>
    public static TestLayer FromBlob(byte[] blob, LayerCompression compression, Digest diffId, string? mediaType = null) =>
        new(null, blob, compression, diffId, -1, mediaType);

    /// <summary>
    /// A copy of part of a directory on this machine (see <see cref="LayerBuilder.FromDirectory"/>), built once per
    /// test run for the same arguments: for large pulls, e.g. <c>FromDirectory("/usr/lib/x86_64-linux-gnu", 100 &lt;&lt; 20)</c>.
    /// </summary>
    public static TestLayer FromDirectory(string sourceDir, long maxBytes, LayerCompression compression = LayerCompression.Gzip, string targetPrefix = "") =>
        DirectoryLayers.GetOrAdd((sourceDir, maxBytes, compression, targetPrefix), key => new Lazy<TestLayer>(() =>
            Build(l => l.FromDirectory(key.Item1, key.Item2, key.Item4), key.Item3))).Value;

    internal static TestLayer Streamed(byte[] blob, LayerCompression compression, Digest diffId, long uncompressedSize) =>
        new(null, blob, compression, diffId, uncompressedSize, null);

    /// <summary>The tar's entries with their data read into memory, for asserting on what a layer contains.</summary>
    public IReadOnlyList<TarEntry> ReadEntries()
    {
        var tar = Tar ?? LayerCompressor.Decompress(Blob, Compression);
        var reader = new TarReader(new MemoryStream(tar));
        var entries = new List<TarEntry>();
        while (reader.GetNextEntry(copyData: true) is { } entry) entries.Add(entry);
        return entries;
    }

    public override string ToString() => $"layer {Digest} ({Compression}, {Size} bytes)";
}
