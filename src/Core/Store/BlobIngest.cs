using System.Security.Cryptography;
using PullCluster.Core.Formats;
using PullCluster.Core.Registry;

namespace PullCluster.Core.Store;

/// <summary>
/// A download in progress: bytes go to a partial file under ingest/ and through the digest's hash as they
/// arrive. The partial file survives a failed or interrupted download, so the next attempt resumes from its
/// length (HTTP Range); its bytes are hashed again on open because nothing else vouches for them.
/// While open, the ingest is readable through <see cref="ContentStore.OpenRead"/> (<see cref="InFlightBlobs"/>):
/// each write advances its readers, and a reset, discard or close without commit aborts them.
/// </summary>
public sealed class BlobIngest : IBlobSink, IDisposable
{
    private const int HashChunk = 1 << 20;
    private readonly StoreLayout _layout;
    private readonly InFlightBlobs _inFlightBlobs;
    private readonly Descriptor _blob;
    private readonly string _partial;
    private readonly FileStream _file;
    private IncrementalHash _hash;
    private InFlightBlob _inFlight;

    internal BlobIngest(StoreLayout layout, InFlightBlobs inFlightBlobs, Descriptor blob)
    {
        _layout = layout;
        _inFlightBlobs = inFlightBlobs;
        _blob = blob;
        _partial = layout.IngestPath(blob.Digest);
        // Claimed before the file is opened: a second ingest of the digest must not truncate this one's file.
        _inFlight = inFlightBlobs.Begin(blob, _partial);
        try
        {
            // FileShare.Read lets the store's readers follow the file while it grows.
            _file = new FileStream(_partial, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous);
            _hash = blob.Digest.CreateHasher();
            ResumeFromPartial();
        }
        catch (Exception e)
        {
            _file?.Dispose();
            _inFlight.Fail($"the ingest could not open {_partial}: {e.Message}");
            throw;
        }
        _inFlight.Opened(Offset);
    }

    public Digest Digest => _blob.Digest;
    public long Offset { get; private set; }

    /// <summary>Bytes found in the partial file when the ingest was opened.</summary>
    public long Resumed { get; private set; }

    private void ResumeFromPartial()
    {
        var length = _file.Length;
        if (length > _blob.Size)
        {
            _file.SetLength(0);
            length = 0;
        }
        var buffer = new byte[HashChunk];
        long read = 0;
        _file.Position = 0;
        while (read < length)
        {
            var n = _file.Read(buffer, 0, (int)Math.Min(buffer.Length, length - read));
            if (n == 0) break;
            _hash.AppendData(buffer, 0, n);
            read += n;
        }
        Offset = Resumed = read;
        _file.Position = read;
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (Offset + data.Length > _blob.Size)
            throw new BlobVerificationException(_blob.Digest, $"size mismatch: the source sent more than the {_blob.Size} bytes the manifest declares");
        _hash.AppendData(data.Span);
        await _file.WriteAsync(data, ct).ConfigureAwait(false);
        Offset += data.Length;
        _inFlight.Advance(data.Length);
    }

    public ValueTask ResetAsync(CancellationToken ct)
    {
        // Readers may have been served bytes the new attempt rewrites; they abort and start over from the new one.
        _inFlight.Fail("the source restarted the blob from byte 0");
        _file.SetLength(0);
        _file.Position = 0;
        _hash.Dispose();
        _hash = _blob.Digest.CreateHasher();
        Offset = 0;
        _inFlight = _inFlightBlobs.Begin(_blob, _partial);
        _inFlight.Opened(0);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Verifies size and digest, makes the bytes durable and publishes the blob under its digest.
    /// A wrong blob is deleted, not kept for resumption: resuming it would only reproduce the same bytes.
    /// </summary>
    public string Commit()
    {
        if (Offset != _blob.Size)
            throw new BlobVerificationException(_blob.Digest, $"size mismatch: received {Offset} bytes, manifest declares {_blob.Size}");
        var actual = Formats.Digest.FromHash(_blob.Digest.Algorithm, _hash.GetHashAndReset());
        if (actual != _blob.Digest)
        {
            Abandon($"digest mismatch: content hashes to {actual}");
            throw new BlobVerificationException(_blob.Digest, $"digest mismatch: content hashes to {actual}");
        }
        _inFlight.Verified();
        Durability.SyncFile(_file);
        _file.Dispose();
        var final = _layout.BlobPath(_blob.Digest);
        File.Move(_partial, final, overwrite: true);
        Durability.SyncDirectory(Path.GetDirectoryName(final)!);
        _inFlight.Committed();
        return final;
    }

    /// <summary>Throws the partial bytes away, for content that can never verify.</summary>
    public void Discard() => Abandon("the partial download was discarded");

    private void Abandon(string reason)
    {
        _inFlight.Fail(reason);
        _file.Dispose();
        File.Delete(_partial);
    }

    public void Dispose()
    {
        _inFlight.Fail("the download stopped before the blob was complete");
        _file.Dispose();
        _hash.Dispose();
    }
}
