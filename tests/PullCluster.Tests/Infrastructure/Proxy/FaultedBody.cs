using System.Diagnostics;

namespace PullCluster.Tests.Infrastructure;

/// <summary>Writes a response body to the client while applying the body faults of one request.</summary>
internal sealed class FaultedBody
{
    private readonly Stream _client;
    private readonly HttpBody _framing;
    private readonly ProxiedRequest _record;
    private readonly long? _cutAfter;
    private readonly long[] _corruptAt;
    private readonly StallFault? _stall;
    private readonly long? _bytesPerSecond;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private bool _stalled;
    private long _offset;

    public FaultedBody(Stream client, HttpBody framing, ProxiedRequest record, IReadOnlyList<Fault> faults)
    {
        _client = client;
        _framing = framing;
        _record = record;
        _cutAfter = faults.OfType<CutFault>().Select(f => (long?)f.After).Min();
        _corruptAt = faults.OfType<CorruptFault>().Select(f => f.Offset).ToArray();
        _stall = faults.OfType<StallFault>().FirstOrDefault();
        _bytesPerSecond = faults.OfType<ThrottleFault>().Select(f => (long?)f.BytesPerSecond).Min();
    }

    /// <summary>Throttled bodies move in small segments so the rate is smooth rather than bursty.</summary>
    public int SegmentSize => _bytesPerSecond is { } bps ? (int)Math.Clamp(bps / 20, 1024, HttpBody.SegmentSize) : HttpBody.SegmentSize;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> segment, CancellationToken ct)
    {
        while (segment.Length > 0)
        {
            var n = segment.Length;
            if (_cutAfter is { } cut)
            {
                if (_offset >= cut) throw new ConnectionCutRequested();
                n = (int)Math.Min(n, cut - _offset);
            }
            if (_stall is { } stall && !_stalled)
            {
                if (_offset >= stall.After)
                {
                    _stalled = true;
                    await Task.Delay(stall.Pause, ct);
                }
                else
                {
                    n = (int)Math.Min(n, stall.After - _offset);
                }
            }
            // The wait comes before the write: a client that has the last byte has the whole body, so pacing
            // after the write would let it finish one segment early.
            if (_bytesPerSecond is { } bps)
            {
                var due = TimeSpan.FromSeconds((double)(_offset + n) / bps) - _clock.Elapsed;
                if (due > TimeSpan.Zero) await Task.Delay(due, ct);
            }
            var piece = Corrupt(segment[..n]);
            _record.AddBodyBytes(n);
            await _framing.WriteAsync(_client, piece, ct);
            _offset += n;
            segment = segment[n..];
        }
    }

    public ValueTask CompleteAsync(CancellationToken ct) => _framing.CompleteAsync(_client, ct);

    private ReadOnlyMemory<byte> Corrupt(ReadOnlyMemory<byte> piece)
    {
        byte[]? copy = null;
        foreach (var offset in _corruptAt)
        {
            if (offset < _offset || offset >= _offset + piece.Length) continue;
            copy ??= piece.ToArray();
            copy[offset - _offset] ^= 0xFF;
        }
        return copy ?? piece;
    }
}

/// <summary>Thrown inside the proxy to reset the client connection (RST) instead of finishing the response.</summary>
internal sealed class ConnectionAbortRequested : Exception;

/// <summary>
/// Thrown inside the proxy to end the client connection mid-response once the client has every byte sent so far;
/// an immediate reset would throw away what is still in flight, and the client would see less than the cut promises.
/// </summary>
internal sealed class ConnectionCutRequested : Exception;
