using PullCluster.Core.Formats;

namespace PullCluster.Core.Store;

/// <summary>Blobs by digest, byte-identical to what the registry served.</summary>
public sealed class ContentStore(StoreLayout layout)
{
    public StoreLayout Layout { get; } = layout;

    public string PathOf(Digest digest) => Layout.BlobPath(digest);

    /// <summary>True when the blob is present with the size the descriptor gives (its digest was verified on ingest).</summary>
    public bool Has(Descriptor blob)
    {
        var info = new FileInfo(PathOf(blob.Digest));
        return info.Exists && info.Length == blob.Size;
    }

    public bool Has(Digest digest) => File.Exists(PathOf(digest));

    /// <summary>
    /// Opens the ingest for a blob. Only one ingest per digest may be open at a time; the BlobActor
    /// for the digest is the one caller, and the store lock keeps other nodes out.
    /// </summary>
    public BlobIngest OpenIngest(Descriptor blob) => new(Layout, blob);

    /// <summary>Writes a small blob already held in memory (a manifest), verified against its digest.</summary>
    public string Put(Digest digest, ReadOnlySpan<byte> bytes)
    {
        var final = PathOf(digest);
        if (File.Exists(final)) return final;
        using var hash = digest.CreateHasher();
        hash.AppendData(bytes);
        var actual = Digest.FromHash(digest.Algorithm, hash.GetHashAndReset());
        if (actual != digest) throw new BlobVerificationException(digest, $"digest mismatch: content hashes to {actual}");
        AtomicFile.Write(final, bytes, Layout.Tmp);
        return final;
    }

    public byte[] Read(Digest digest) => File.ReadAllBytes(PathOf(digest));

    public IEnumerable<Digest> List()
    {
        var dir = Path.Combine(Layout.Blobs, "sha256");
        if (!Directory.Exists(dir)) yield break;
        foreach (var file in Directory.EnumerateFiles(dir))
            if (Digest.TryParse("sha256:" + Path.GetFileName(file), out var d)) yield return d;
    }

    public long SizeOf(Digest digest) => new FileInfo(PathOf(digest)).Length;

    public void Delete(Digest digest) => File.Delete(PathOf(digest));
}
