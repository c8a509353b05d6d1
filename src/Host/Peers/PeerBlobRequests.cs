using System.Buffers;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using PullCluster.Core.Formats;
using PullCluster.Core.Peers;
using PullCluster.Core.Store;

namespace PullCluster.Host.Peers;

/// <summary>
/// <c>GET|HEAD /pullcluster/v1/blobs/&lt;digest&gt;</c> for cluster members: the signature is checked before anything else
/// (401 and no bytes otherwise); a stored blob is served from its file and an in-flight one as its bytes arrive,
/// with one <c>Range</c>. The Content-Length is always the blob's full size (or the range's), so a body that cannot
/// be finished (the ingest behind it was abandoned) is aborted, never ended short.
/// </summary>
internal sealed class PeerBlobRequests(ContentStore store, PeerRequestSigner signer, ILogger log)
{
    private const int BufferSize = 256 * 1024;

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "";
        var check = signer.Verify(request.Headers.Authorization, request.Method, target);
        if (!check.IsValid)
        {
            log.LogWarning("peer request refused with 401: {Remote} {Method} {Target}: {Reason}",
                Remote(context), LogText.Escape(request.Method), LogText.Escape(target), LogText.Escape(check.Refusal));
            response.StatusCode = StatusCodes.Status401Unauthorized;
            response.Headers.WWWAuthenticate = PeerRequestSigner.Scheme;
            response.ContentLength = 0;
            return;
        }

        var path = request.Path.Value ?? "";
        if (!path.StartsWith(PeerProtocol.BlobsPrefix, StringComparison.Ordinal))
        {
            Refuse(context, check.Node!, StatusCodes.Status404NotFound, $"no such resource {LogText.Escape(path)}");
            return;
        }
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.Headers.Allow = "GET, HEAD";
            Refuse(context, check.Node!, StatusCodes.Status405MethodNotAllowed, $"method {LogText.Escape(request.Method)} on {LogText.Escape(path)}");
            return;
        }
        var digestText = path[PeerProtocol.BlobsPrefix.Length..];
        if (!Digest.TryParse(digestText, out var digest))
        {
            Refuse(context, check.Node!, StatusCodes.Status400BadRequest, $"malformed digest {LogText.Escape(digestText)}");
            return;
        }

        BlobReader reader;
        try
        {
            reader = store.OpenRead(digest);
        }
        catch (Exception e) when (e is BlobNotFoundException or InFlightBlobAbortedException)
        {
            Refuse(context, check.Node!, StatusCodes.Status404NotFound, e.Message);
            return;
        }
        await using (reader)
            await ServeAsync(context, check.Node!, reader);
    }

    private async Task ServeAsync(HttpContext context, string node, BlobReader reader)
    {
        var request = context.Request;
        var response = context.Response;
        var size = reader.Length;
        var range = ByteRangeRequest.Parse(request.Headers.Range, size);
        response.Headers.AcceptRanges = "bytes";
        response.Headers["Docker-Content-Digest"] = reader.Digest.ToString();
        response.ContentType = "application/octet-stream";
        switch (range.Kind)
        {
            case ByteRangeKind.Unsatisfiable:
                response.Headers.ContentRange = range.ContentRange(size);
                Refuse(context, node, StatusCodes.Status416RangeNotSatisfiable,
                    $"blob {reader.Digest}: range {LogText.Escape(request.Headers.Range)} is outside its {size} bytes");
                return;
            case ByteRangeKind.Partial:
                response.StatusCode = StatusCodes.Status206PartialContent;
                response.Headers.ContentRange = range.ContentRange(size);
                break;
            default:
                response.StatusCode = StatusCodes.Status200OK;
                break;
        }
        var length = range.Kind == ByteRangeKind.Whole ? size : range.Length;
        response.ContentLength = length;
        if (HttpMethods.IsHead(request.Method)) return;

        var ct = context.RequestAborted;
        var from = range.Kind == ByteRangeKind.Whole ? 0 : range.From;
        var source = reader.InFlight ? "in flight" : "stored";
        var started = Stopwatch.GetTimestamp();
        long sent = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            // Headers go out at once: the receiver's idle timer runs until it sees them, and an in-flight blob's
            // first bytes may be a while coming.
            await response.StartAsync(ct);
            reader.Position = from;
            while (sent < length)
            {
                var n = await reader.ReadAsync(buffer.AsMemory(0, (int)Math.Min(BufferSize, length - sent)), ct);
                if (n == 0) throw new IOException($"blob {reader.Digest} ended at byte {from + sent}, before the {size} bytes it should hold");
                await response.Body.WriteAsync(buffer.AsMemory(0, n), ct);
                sent += n;
            }
            // An empty in-flight blob has no last byte to hold back: the body ends only once the ingest verified.
            if (reader.InFlight && length == 0 && await reader.ReadAsync(buffer.AsMemory(0, 1), ct) != 0)
                throw new IOException($"blob {reader.Digest} holds more than the 0 bytes its descriptor gives");
            await response.CompleteAsync();
            log.LogDebug("peer blob {Digest} served to {Remote} (node {Node}): {Bytes} bytes from offset {From}, {Source}, in {Elapsed:0} ms",
                reader.Digest, Remote(context), LogText.Escape(node), sent, from, source, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            log.LogDebug("peer blob {Digest} to {Remote} (node {Node}): the connection closed after {Bytes} of {Length} bytes (the peer left or this server is stopping)",
                reader.Digest, Remote(context), LogText.Escape(node), sent, length);
        }
        catch (IOException e)
        {
            // Content-Length promised the whole blob (or range): ending the body short would pass for a success to
            // a client that does not count, so the connection is reset instead.
            log.LogWarning("peer blob {Digest} to {Remote} (node {Node}) aborted after {Bytes} of {Length} bytes ({Source}): {Reason}",
                reader.Digest, Remote(context), LogText.Escape(node), sent, length, source, e.Message);
            context.Abort();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Refuse(HttpContext context, string node, int status, string reason)
    {
        log.LogWarning("peer request from {Remote} (node {Node}) answered {Status}: {Method} {Reason}",
            Remote(context), LogText.Escape(node), status, LogText.Escape(context.Request.Method), reason);
        context.Response.StatusCode = status;
        context.Response.ContentLength = 0;
    }

    private static string Remote(HttpContext context) =>
        LogText.Escape($"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}");
}
