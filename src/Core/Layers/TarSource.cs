using System.Buffers;

namespace PullCluster.Core.Layers;

/// <summary>
/// The uncompressed tar stream behind one large reusable buffer, fed by a <see cref="DecompressionPipe"/> that hashes
/// every byte (the diff id covers padding and trailer too) and enforces the decompression-bomb bounds; or, for a tar
/// that is not a layer (one the node streams to the CLI), read as it is.
/// </summary>
internal sealed class TarSource : IDisposable
{
    private const int BufferSize = 1 << 20;

    private readonly DecompressionPipe? _pipe;
    private readonly Stream? _plain;
    private long _plainRead;
    private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _pos;
    private int _len;
    private bool _eof;

    public TarSource(Stream uncompressed, CountingStream compressed, LayerApplyOptions options)
    {
        _pipe = new DecompressionPipe(uncompressed, compressed, options);
    }

    /// <summary>A plain tar stream: no hashing, no decompression bounds.</summary>
    public TarSource(Stream tar)
    {
        _plain = tar;
    }

    /// <summary>Uncompressed bytes taken from the decompressor so far.</summary>
    public long TotalRead => _pipe?.Consumed ?? _plainRead;

    /// <summary>Offset in the tar stream of the next unconsumed byte.</summary>
    public long Position => TotalRead - (_len - _pos);

    /// <summary>Name of the entry being read, for error messages.</summary>
    public string? CurrentEntry { get; set; }

    /// <summary>The next <paramref name="count"/> bytes, contiguous; shorter only at end of stream.</summary>
    public ReadOnlySpan<byte> Take(int count)
    {
        while (_len - _pos < count && !_eof) Fill();
        var n = Math.Min(count, _len - _pos);
        var span = _buffer.AsSpan(_pos, n);
        _pos += n;
        return span;
    }

    /// <summary>Up to <paramref name="max"/> buffered bytes (refilling when empty); empty only at end of stream.</summary>
    public ReadOnlySpan<byte> Chunk(long max)
    {
        if (_pos == _len && !_eof) Fill();
        var n = (int)Math.Min(max, _len - _pos);
        var span = _buffer.AsSpan(_pos, n);
        _pos += n;
        return span;
    }

    public bool Skip(long count)
    {
        while (count > 0)
        {
            var n = Chunk(count).Length;
            if (n == 0) return false;
            count -= n;
        }
        return true;
    }

    /// <summary>Reads to the end of the stream so the hash covers it all; returns the SHA-256.</summary>
    public byte[] Finish()
    {
        _pos = _len;
        while (!_eof)
        {
            Fill();
            _pos = _len;
        }
        return _pipe?.DiffId ?? throw new InvalidOperationException("a plain tar stream is not hashed");
    }

    private void Fill()
    {
        if (_pos > 0)
        {
            _buffer.AsSpan(_pos, _len - _pos).CopyTo(_buffer);
            _len -= _pos;
            _pos = 0;
        }
        int n;
        try
        {
            if (_pipe is not null) n = _pipe.Read(_buffer.AsSpan(_len));
            else
            {
                n = _plain!.Read(_buffer.AsSpan(_len));
                _plainRead += n;
            }
        }
        catch (DecompressionBombException bomb)
        {
            var where = CurrentEntry is null ? "" : $" (at entry '{RawPath.Display(CurrentEntry)}')";
            throw new LayerFormatException($"decompression bomb: {bomb.Message}{where}", bomb);
        }
        if (n == 0) _eof = true;
        _len += n;
    }

    public void Dispose()
    {
        _pipe?.Dispose();
        ArrayPool<byte>.Shared.Return(_buffer);
    }
}
