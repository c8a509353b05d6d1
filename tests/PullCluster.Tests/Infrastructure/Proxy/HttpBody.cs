using System.Globalization;
using System.Text;

namespace PullCluster.Tests.Infrastructure;

internal enum BodyKind { None, Length, Chunked, UntilClose }

/// <summary>How a message's body is delimited (RFC 9112 §6.3), and copying it segment by segment.</summary>
internal readonly record struct HttpBody(BodyKind Kind, long Length = 0)
{
    public const int SegmentSize = 64 * 1024;

    public static HttpBody OfRequest(HttpHead head)
    {
        if (head.HasToken("Transfer-Encoding", "chunked")) return new HttpBody(BodyKind.Chunked);
        return head.Get("Content-Length") is { } length ? new HttpBody(BodyKind.Length, ParseLength(length)) : new HttpBody(BodyKind.None);
    }

    public static HttpBody OfResponse(HttpHead head, string requestMethod)
    {
        var status = head.StatusCode;
        if (requestMethod == "HEAD" || status is < 200 or 204 or 304) return new HttpBody(BodyKind.None);
        if (head.HasToken("Transfer-Encoding", "chunked")) return new HttpBody(BodyKind.Chunked);
        return head.Get("Content-Length") is { } length ? new HttpBody(BodyKind.Length, ParseLength(length)) : new HttpBody(BodyKind.UntilClose);
    }

    /// <summary>Reads the body's payload (chunk framing removed) and hands it to <paramref name="sink"/> in segments.</summary>
    public async Task CopyAsync(HttpConnectionReader source, Func<ReadOnlyMemory<byte>, ValueTask> sink, int segmentSize, CancellationToken ct)
    {
        var buffer = new byte[Math.Min(segmentSize, SegmentSize)];
        switch (Kind)
        {
            case BodyKind.Length:
                await CopyExactlyAsync(source, Length, buffer, sink, ct);
                break;
            case BodyKind.Chunked:
                while (true)
                {
                    var line = await source.ReadLineAsync(ct);
                    var size = long.Parse(line.Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    if (size == 0)
                    {
                        while ((await source.ReadLineAsync(ct)).Length > 0) { }
                        return;
                    }
                    await CopyExactlyAsync(source, size, buffer, sink, ct);
                    if ((await source.ReadLineAsync(ct)).Length != 0) throw new InvalidDataException("chunk not followed by CRLF");
                }
            case BodyKind.UntilClose:
                int n;
                while ((n = await source.ReadAsync(buffer, ct)) > 0) await sink(buffer.AsMemory(0, n));
                break;
        }
    }

    /// <summary>Writes payload segments with this body's framing: chunked stays chunked, the rest is raw.</summary>
    public async ValueTask WriteAsync(Stream destination, ReadOnlyMemory<byte> segment, CancellationToken ct)
    {
        if (Kind == BodyKind.Chunked)
        {
            if (segment.Length == 0) return;
            await destination.WriteAsync(Encoding.ASCII.GetBytes($"{segment.Length:x}\r\n"), ct);
            await destination.WriteAsync(segment, ct);
            await destination.WriteAsync("\r\n"u8.ToArray(), ct);
        }
        else
        {
            await destination.WriteAsync(segment, ct);
        }
    }

    public async ValueTask CompleteAsync(Stream destination, CancellationToken ct)
    {
        if (Kind == BodyKind.Chunked) await destination.WriteAsync("0\r\n\r\n"u8.ToArray(), ct);
    }

    private static async Task CopyExactlyAsync(HttpConnectionReader source, long count, byte[] buffer,
        Func<ReadOnlyMemory<byte>, ValueTask> sink, CancellationToken ct)
    {
        var remaining = count;
        while (remaining > 0)
        {
            var n = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), ct);
            if (n == 0) throw new IOException($"connection closed with {remaining} of {count} body bytes missing");
            await sink(buffer.AsMemory(0, n));
            remaining -= n;
        }
    }

    private static long ParseLength(string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new InvalidDataException($"invalid Content-Length '{value}'");
}
