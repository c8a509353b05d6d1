using System.Text;

namespace PullCluster.Tests.Infrastructure;

/// <summary>Buffered reads of HTTP/1.1 framing from a connection: heads, chunk-size lines and raw body bytes.</summary>
internal sealed class HttpConnectionReader(Stream stream)
{
    private const int MaxHead = 64 * 1024;

    private readonly byte[] _buffer = new byte[MaxHead];
    private int _start;
    private int _end;

    /// <summary>The next head, or null if the peer closed the connection cleanly between messages.</summary>
    public async Task<HttpHead?> ReadHeadAsync(CancellationToken ct)
    {
        var searchFrom = _start;
        while (true)
        {
            var end = _buffer.AsSpan(searchFrom, _end - searchFrom).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                end += searchFrom;
                var text = Encoding.Latin1.GetString(_buffer, _start, end - _start);
                _start = end + 4;
                return HttpHead.Parse(text);
            }
            searchFrom = Math.Max(_start, _end - 3);
            var before = _start;
            if (!await FillAsync(ct))
            {
                if (_start == _end) return null;
                throw new IOException("connection closed in the middle of an HTTP head");
            }
            searchFrom -= before - _start;
        }
    }

    public async Task<string> ReadLineAsync(CancellationToken ct)
    {
        var searchFrom = _start;
        while (true)
        {
            var end = _buffer.AsSpan(searchFrom, _end - searchFrom).IndexOf("\r\n"u8);
            if (end >= 0)
            {
                end += searchFrom;
                var line = Encoding.Latin1.GetString(_buffer, _start, end - _start);
                _start = end + 2;
                return line;
            }
            searchFrom = Math.Max(_start, _end - 1);
            var before = _start;
            if (!await FillAsync(ct)) throw new IOException("connection closed in the middle of a chunk header");
            searchFrom -= before - _start;
        }
    }

    /// <summary>Reads body bytes, buffered ones first; 0 means the peer closed.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct)
    {
        if (_start < _end)
        {
            var n = Math.Min(destination.Length, _end - _start);
            _buffer.AsMemory(_start, n).CopyTo(destination);
            _start += n;
            return n;
        }
        return await stream.ReadAsync(destination, ct);
    }

    /// <summary>Reads more into the buffer, compacting it first; false when the peer closed.</summary>
    private async Task<bool> FillAsync(CancellationToken ct)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) throw new InvalidDataException($"HTTP head or chunk line longer than {MaxHead} bytes");
        var n = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
        _end += n;
        return n > 0;
    }
}
