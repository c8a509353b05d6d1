using System.Buffers;
using Microsoft.Win32.SafeHandles;
using PullCluster.Core.Formats;

namespace PullCluster.Core.Store;

/// <summary>
/// Reads one blob of the store, from blobs/ or, while it is still being ingested, from its partial file as the
/// bytes arrive: a read past what has arrived waits for more. A reader of an in-flight blob throws
/// <see cref="InFlightBlobAbortedException"/> if the ingest is abandoned (a failed digest, a reset, a download given
/// up), and never returns the last byte before the ingest verified the digest.
/// </summary>
public sealed class BlobReader : Stream
{
    private readonly SafeFileHandle _file;
    private readonly InFlightBlob? _inFlight;
    private long _position;

    internal BlobReader(Digest digest, SafeFileHandle file, long length, InFlightBlob? inFlight, long offset)
    {
        if (offset < 0 || offset > length)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"blob {digest} holds {length} bytes");
        Digest = digest;
        _file = file;
        Length = length;
        _inFlight = inFlight;
        _position = offset;
    }

    public Digest Digest { get; }

    /// <summary>True when the blob was still being ingested when the reader was opened.</summary>
    public bool InFlight => _inFlight is not null;

    /// <summary>The blob's size: the file's for a stored blob, the descriptor's for one in flight.</summary>
    public override long Length { get; }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (buffer.IsEmpty) return 0;
        var limit = _inFlight is null ? Length : await _inFlight.WaitDeliverableAsync(_position, ct).ConfigureAwait(false);
        if (_position >= limit) return 0;
        var wanted = buffer[..(int)Math.Min(buffer.Length, limit - _position)];
        var n = await RandomAccess.ReadAsync(_file, wanted, _position, ct).ConfigureAwait(false);
        if (_inFlight is not null)
        {
            // A reset or discard rewrites the partial file after marking the ingest failed: bytes read once it
            // failed may not be this blob's, so they are never returned.
            _inFlight.ThrowIfFailed();
            if (n == 0)
                throw new InFlightBlobAbortedException(Digest, $"the partial file ended at byte {_position} although {limit} bytes were written");
        }
        else if (n == 0)
        {
            throw new IOException($"blob {Digest}: the file ended at byte {_position} of {Length}");
        }
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var n = ReadAsync(rented.AsMemory(0, buffer.Length)).AsTask().GetAwaiter().GetResult();
            rented.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        if (target < 0 || target > Length)
            throw new ArgumentOutOfRangeException(nameof(offset), target, $"blob {Digest} holds {Length} bytes");
        return _position = target;
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _file.Dispose();
        base.Dispose(disposing);
    }
}
