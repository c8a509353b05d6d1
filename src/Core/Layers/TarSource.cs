using System.Buffers;
using System.Security.Cryptography;

namespace PullCluster.Core.Layers;

/// <summary>
/// The uncompressed tar stream behind one large reusable buffer. Every byte pulled from the decompressor is hashed
/// (the diff id covers padding and trailer too) and counted against the decompression-bomb bounds.
/// </summary>
internal sealed class TarSource : IDisposable
{
    private const int BufferSize = 1 << 20;

    private readonly Stream _stream;
    private readonly CountingStream _compressed;
    private readonly LayerApplyOptions _options;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _pos;
    private int _len;
    private bool _eof;

    public TarSource(Stream uncompressed, CountingStream compressed, LayerApplyOptions options)
    {
        _stream = uncompressed;
        _compressed = compressed;
        _options = options;
    }

    /// <summary>Uncompressed bytes pulled from the decompressor so far.</summary>
    public long TotalRead { get; private set; }

    /// <summary>Offset in the tar stream of the next unconsumed byte.</summary>
    public long Position => TotalRead - (_len - _pos);

    /// <summary>Name of the entry being read, for the bomb message.</summary>
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
        return _hash.GetHashAndReset();
    }

    private void Fill()
    {
        if (_pos > 0)
        {
            _buffer.AsSpan(_pos, _len - _pos).CopyTo(_buffer);
            _len -= _pos;
            _pos = 0;
        }
        var n = _stream.Read(_buffer, _len, _buffer.Length - _len);
        if (n == 0)
        {
            _eof = true;
            return;
        }
        _hash.AppendData(_buffer, _len, n);
        _len += n;
        TotalRead += n;
        CheckBomb();
    }

    private void CheckBomb()
    {
        var where = CurrentEntry is null ? "" : $" (at entry '{RawPath.Display(CurrentEntry)}')";
        if (TotalRead > _options.MaxUncompressedBytes)
            throw new LayerFormatException(
                $"decompression bomb: layer expands beyond {_options.MaxUncompressedBytes} bytes{where}");
        if (TotalRead > LayerApplyOptions.RatioGraceBytes && TotalRead / Math.Max(1, _compressed.BytesRead) > _options.MaxExpansionRatio)
            throw new LayerFormatException(
                $"decompression bomb: {TotalRead} bytes from {_compressed.BytesRead} compressed exceeds ratio {_options.MaxExpansionRatio}{where}");
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _hash.Dispose();
    }
}
