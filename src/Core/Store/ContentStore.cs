using Microsoft.Win32.SafeHandles;
using PullCluster.Core.Formats;

namespace PullCluster.Core.Store;

/// <summary>Blobs by digest, byte-identical to what the registry served.</summary>
public sealed class ContentStore(StoreLayout layout)
{
    public StoreLayout Layout { get; } = layout;

    /// <summary>The ingests open now, readable while they are written.</summary>
    public InFlightBlobs InFlight { get; } = new();

    public string PathOf(Digest digest) => Layout.BlobPath(digest);

    /// <summary>True when the blob is present with the size the descriptor gives (its digest was verified on ingest).</summary>
    public bool Has(Descriptor blob)
    {
        var info = new FileInfo(PathOf(blob.Digest));
        return info.Exists && info.Length == blob.Size;
    }

    public bool Has(Digest digest) => File.Exists(PathOf(digest));

    /// <summary>
    /// Opens the ingest for a blob. Only one ingest per digest may be open at a time (a second throws
    /// <see cref="IOException"/>); the BlobActor for the digest is the one caller, and the store lock keeps other
    /// nodes out.
    /// </summary>
    public BlobIngest OpenIngest(Descriptor blob) => new(Layout, InFlight, blob);

    /// <summary>
    /// Opens a blob for reading from <paramref name="offset"/>: a stored blob from blobs/, a blob being ingested from its
    /// partial file as it grows (see <see cref="BlobReader"/>). Throws <see cref="BlobNotFoundException"/> when the
    /// store neither holds nor is ingesting it.
    /// </summary>
    public BlobReader OpenRead(Digest digest, long offset = 0)
    {
        if (InFlight.Find(digest) is { } inFlight) return OpenInFlight(inFlight, offset);
        if (TryOpenStored(digest, offset) is { } stored) return stored;
        // An ingest may have begun between the two looks.
        if (InFlight.Find(digest) is { } begun) return OpenInFlight(begun, offset);
        throw new BlobNotFoundException(digest);
    }

    private BlobReader? TryOpenStored(Digest digest, long offset)
    {
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(PathOf(digest), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        return Reader(digest, file, RandomAccess.GetLength(file), null, offset);
    }

    private BlobReader OpenInFlight(InFlightBlob blob, long offset)
    {
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(blob.PartialPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // The commit renamed the partial file into blobs/ (or a discard deleted it) since the look-up.
            blob.ThrowIfFailed();
            return TryOpenStored(blob.Digest, offset) ?? throw new BlobNotFoundException(blob.Digest);
        }
        return Reader(blob.Digest, file, blob.Blob.Size, blob, offset);
    }

    private static BlobReader Reader(Digest digest, SafeFileHandle file, long length, InFlightBlob? inFlight, long offset)
    {
        try
        {
            return new BlobReader(digest, file, length, inFlight, offset);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

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
