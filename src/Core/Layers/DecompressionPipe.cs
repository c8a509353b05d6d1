using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;

namespace PullCluster.Core.Layers;

/// <summary>
/// Decompresses and hashes on its own thread, a few large buffers ahead of the reader, so that inflating and SHA-256
/// overlap with the file system work of extraction. It also enforces the decompression-bomb bounds, which it can check
/// as soon as bytes come out of the decompressor.
/// </summary>
internal sealed class DecompressionPipe : IDisposable
{
    private const int ChunkSize = 1 << 20;
    private const int Depth = 4;

    private readonly Stream _source;
    private readonly CountingStream _compressed;
    private readonly LayerApplyOptions _options;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Handoff<Chunk> _full = new();
    private readonly Handoff<byte[]> _free = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    private Chunk _current;
    private int _offset;
    private bool _ended;
    private byte[]? _diffId;

    private readonly record struct Chunk(byte[]? Buffer, int Length, Exception? Error);

    public DecompressionPipe(Stream uncompressed, CountingStream compressed, LayerApplyOptions options)
    {
        _source = uncompressed;
        _compressed = compressed;
        _options = options;
        for (var i = 0; i < Depth + 1; i++) _free.Add(ArrayPool<byte>.Shared.Rent(ChunkSize));
        _thread = new Thread(Produce) { IsBackground = true, Name = "layer-decompress" };
        _thread.Start();
    }

    /// <summary>Bytes handed to the reader so far.</summary>
    public long Consumed { get; private set; }

    /// <summary>
    /// Copies the next bytes into <paramref name="destination"/>; 0 at the end of the stream. Failures of the
    /// decompressor surface here, on the reader's thread.
    /// </summary>
    public int Read(Span<byte> destination)
    {
        while (!_ended && (_current.Buffer is null || _offset == _current.Length))
        {
            if (_current.Buffer is { } used) _free.Add(used);
            _current = _full.Take();
            _offset = 0;
            if (_current.Error is { } error) ExceptionDispatchInfo.Throw(error);
            if (_current.Buffer is null) _ended = true;
        }
        if (_ended) return 0;
        var n = Math.Min(destination.Length, _current.Length - _offset);
        _current.Buffer.AsSpan(_offset, n).CopyTo(destination);
        _offset += n;
        Consumed += n;
        return n;
    }

    /// <summary>SHA-256 of the whole stream; only once <see cref="Read"/> has returned 0.</summary>
    public byte[] DiffId => _ended ? _diffId! : throw new InvalidOperationException("the layer stream has not been read to its end");

    private void Produce()
    {
        try
        {
            long total = 0;
            while (true)
            {
                var buffer = _free.Take(_stop.Token);
                var n = Fill(buffer);
                if (n == 0)
                {
                    _free.Add(buffer);
                    _diffId = _hash.GetHashAndReset();
                    _full.Add(default, _stop.Token);
                    return;
                }
                _hash.AppendData(buffer, 0, n);
                total += n;
                CheckBomb(total);
                _full.Add(new Chunk(buffer, n, null), _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            try
            {
                _full.Add(new Chunk(null, 0, ex), _stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Reads until the buffer is full or the stream ends: decompressors often return less than asked.</summary>
    private int Fill(byte[] buffer)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = _source.Read(buffer, filled, buffer.Length - filled);
            if (n == 0) break;
            filled += n;
        }
        return filled;
    }

    private void CheckBomb(long total)
    {
        if (total > _options.MaxUncompressedBytes)
            throw new DecompressionBombException($"layer expands beyond {_options.MaxUncompressedBytes} bytes");
        var compressed = Math.Max(1, _compressed.BytesRead);
        if (total > LayerApplyOptions.RatioGraceBytes && total / compressed > _options.MaxExpansionRatio)
            throw new DecompressionBombException(
                $"{total} bytes from {compressed} compressed exceeds ratio {_options.MaxExpansionRatio}");
    }

    /// <summary>Stops the decompression thread and waits for it, so nothing touches the streams after this returns.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        if (_current.Buffer is { } held) ArrayPool<byte>.Shared.Return(held);
        while (_full.TryTake(out var chunk))
            if (chunk.Buffer is { } b) ArrayPool<byte>.Shared.Return(b);
        while (_free.TryTake(out var b)) ArrayPool<byte>.Shared.Return(b);
        _stop.Dispose();
        _hash.Dispose();
    }
}

/// <summary>Raised on the decompression thread; the reader reports it with the entry it was at.</summary>
internal sealed class DecompressionBombException(string message) : Exception(message);
