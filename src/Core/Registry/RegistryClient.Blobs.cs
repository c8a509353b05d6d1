using System.Buffers;
using System.Net;
using PullCluster.Core.Formats;

namespace PullCluster.Core.Registry;

public sealed partial class RegistryClient
{
    private const int BlobBufferSize = 256 * 1024;

    /// <summary>
    /// Streams a blob into <paramref name="sink"/>, resuming from <see cref="IBlobSink.Offset"/> with a Range request.
    /// Transient faults are retried from wherever the sink got to; the sink verifies the digest.
    /// </summary>
    public Task FetchBlobAsync(ImageReference image, Descriptor blob, IBlobSink sink, Action<long>? onBytes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(sink);
        var ctx = new RequestContext(image, $"blob {blob.Digest}", blob.Digest);
        return WithRetriesAsync(ctx, async () =>
        {
            await FetchBlobOnceAsync(ctx, blob, sink, onBytes, ct);
            return true;
        }, ct);
    }

    private async Task FetchBlobOnceAsync(RequestContext ctx, Descriptor blob, IBlobSink sink, Action<long>? onBytes, CancellationToken ct)
    {
        var offset = sink.Offset;
        if (offset > blob.Size)
            throw ctx.Error($"size mismatch: {offset} bytes already held, the manifest says {blob.Size}");
        if (offset == blob.Size) return;

        using var response = await SendAsync(ctx, $"/v2/{ctx.Image.Repository}/blobs/{blob.Digest}", r =>
        {
            if (offset > 0) r.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(offset, null);
        }, ct);

        switch (response.StatusCode)
        {
            case HttpStatusCode.PartialContent:
                var range = response.Content.Headers.ContentRange;
                if (range?.From is { } from && from != offset)
                    throw ctx.Error($"asked for bytes from {offset}, the registry sent them from {from}", 206);
                if (range?.Length is { } total && total != blob.Size)
                    throw ctx.Error($"size mismatch: the registry holds {total} bytes, the manifest says {blob.Size}", 206);
                break;
            case HttpStatusCode.OK:
                if (offset > 0)
                {
                    await sink.ResetAsync(ct);
                    offset = 0;
                }
                break;
            case HttpStatusCode.RequestedRangeNotSatisfiable when offset > 0:
                // The registry cannot resume from here; start over on the next attempt.
                await sink.ResetAsync(ct);
                throw ctx.Error($"HTTP 416 for range from byte {offset}; restarting from 0", 416, transient: true);
            default:
                throw await FailureAsync(ctx, response, ct);
        }

        var remaining = blob.Size - offset;
        if (response.Content.Headers.ContentLength is { } length && length != remaining)
            throw ctx.Error($"size mismatch: the registry sends {length} bytes from offset {offset}, the manifest says {blob.Size} in all",
                (int)response.StatusCode);

        await CopyBlobBodyAsync(ctx, blob, response, sink, offset, onBytes, ct);
    }

    /// <summary>
    /// Copies the body in large chunks; bytes already read are handed to the sink even when the connection then
    /// fails, so the next attempt resumes after them.
    /// </summary>
    private async Task CopyBlobBodyAsync(RequestContext ctx, Descriptor blob, HttpResponseMessage response, IBlobSink sink,
        long offset, Action<long>? onBytes, CancellationToken ct)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = ArrayPool<byte>.Shared.Rent(BlobBufferSize);
        try
        {
            var received = offset;
            while (true)
            {
                var filled = 0;
                RegistryException? failure = null;
                var ended = false;
                while (filled < BlobBufferSize)
                {
                    int n;
                    try
                    {
                        n = await ReadAsync(ctx, body, buffer.AsMemory(filled, BlobBufferSize - filled), idle, ct);
                    }
                    catch (RegistryException e)
                    {
                        failure = e;
                        break;
                    }
                    if (n == 0)
                    {
                        ended = true;
                        break;
                    }
                    if (received + filled + n > blob.Size)
                        throw ctx.Error($"size mismatch: the registry sent more than the {blob.Size} bytes the manifest says", (int)response.StatusCode);
                    filled += n;
                }

                if (filled > 0)
                {
                    await sink.WriteAsync(buffer.AsMemory(0, filled), ct);
                    received += filled;
                    onBytes?.Invoke(filled);
                }
                if (failure is not null) throw failure;
                if (ended) break;
            }
            if (received < blob.Size)
                throw ctx.Error($"connection closed after {received} of {blob.Size} bytes", (int)response.StatusCode, transient: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
