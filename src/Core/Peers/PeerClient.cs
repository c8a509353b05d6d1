using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using PullCluster.Core.Formats;
using PullCluster.Core.Registry;

namespace PullCluster.Core.Peers;

/// <summary>
/// Fetches blobs from other cluster members' peer servers (<c>GET /pullcluster/v1/blobs/&lt;digest&gt;</c>), signed with
/// the farm's secret. A peer may still be downloading the blob itself, so its bytes can come slowly: a transfer fails
/// only when no byte arrives for <see cref="IdleTimeout"/>, however long it takes in all. One attempt per call; the
/// caller chooses the next source (another holder, the registry) and resumes from the sink's offset.
/// </summary>
public sealed class PeerClient : IDisposable
{
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(60);

    private const int BufferSize = 256 * 1024;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly PeerRequestSigner _signer;
    private readonly HttpClient _http;

    public PeerClient(PeerRequestSigner signer, TimeSpan? idleTimeout = null)
    {
        _signer = signer;
        IdleTimeout = idleTimeout ?? DefaultIdleTimeout;
        // Peers are reached directly: an http_proxy meant for registries must not carry cluster traffic.
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = ConnectTimeout,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>How long a transfer may go without a byte (or without response headers) before it fails.</summary>
    public TimeSpan IdleTimeout { get; }

    /// <summary>
    /// Streams <paramref name="blob"/> from <paramref name="peer"/> (its base address, <c>http://host:port</c>) into
    /// <paramref name="sink"/>, from <see cref="IBlobSink.Offset"/> with a Range request when the sink holds bytes already.
    /// Bytes read before a failure stay in the sink, so the next attempt resumes after them; the sink verifies the
    /// digest on commit. Throws <see cref="PeerException"/> naming the peer, the digest and the status or error.
    /// </summary>
    public async Task FetchBlobAsync(Uri peer, Descriptor blob, IBlobSink sink, Action<long>? onBytes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(sink);
        var offset = sink.Offset;
        if (offset > blob.Size)
            throw new PeerException(peer, blob.Digest, $"size mismatch: {offset} bytes already held, the manifest says {blob.Size}");
        if (offset == blob.Size) return;

        var uri = new Uri(peer, PeerProtocol.BlobPath(blob.Digest));
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.TryAddWithoutValidation("Authorization", _signer.Sign(request.Method.Method, uri.PathAndQuery));
        if (offset > 0) request.Headers.Range = new RangeHeaderValue(offset, null);

        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(IdleTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new PeerException(peer, blob.Digest, $"no response within {IdleTimeout.TotalSeconds:0.#} s", inner: e);
        }
        catch (HttpRequestException e)
        {
            throw new PeerException(peer, blob.Digest, Transport(e), inner: e);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            switch (response.StatusCode)
            {
                case HttpStatusCode.PartialContent when offset > 0:
                    var range = response.Content.Headers.ContentRange;
                    if (range?.From != offset)
                        throw new PeerException(peer, blob.Digest, $"asked for bytes from {offset}, the peer sent {Describe(range)}", status);
                    if (range.Length is { } total && total != blob.Size)
                        throw new PeerException(peer, blob.Digest, $"size mismatch: the peer holds {total} bytes, the manifest says {blob.Size}", status);
                    break;
                case HttpStatusCode.OK:
                    if (offset > 0)
                    {
                        await sink.ResetAsync(ct).ConfigureAwait(false);
                        offset = 0;
                    }
                    break;
                default:
                    throw new PeerException(peer, blob.Digest, StatusText(response), status);
            }

            var remaining = blob.Size - offset;
            if (response.Content.Headers.ContentLength is { } length && length != remaining)
                throw new PeerException(peer, blob.Digest,
                    $"size mismatch: the peer sends {length} bytes from offset {offset}, the manifest says {blob.Size} in all", status);
            await CopyBodyAsync(peer, blob, response, sink, offset, onBytes, idle, ct).ConfigureAwait(false);
        }
    }

    private async Task CopyBodyAsync(Uri peer, Descriptor blob, HttpResponseMessage response, IBlobSink sink, long offset,
        Action<long>? onBytes, CancellationTokenSource idle, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var received = offset;
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            while (true)
            {
                idle.CancelAfter(IdleTimeout);
                int n;
                try
                {
                    n = await body.ReadAsync(buffer.AsMemory(0, BufferSize), idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
                {
                    throw new PeerException(peer, blob.Digest,
                        $"no byte for {IdleTimeout.TotalSeconds:0.#} s after {received} of {blob.Size} bytes", status, e);
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    throw new PeerException(peer, blob.Digest, $"transfer failed after {received} of {blob.Size} bytes: {Transport(e)}", status, e);
                }
                if (n == 0) break;
                if (received + n > blob.Size)
                    throw new PeerException(peer, blob.Digest, $"size mismatch: the peer sent more than the {blob.Size} bytes the manifest says", status);
                // Written at once rather than gathered: what this node holds, it can pass on to its own readers.
                await sink.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                received += n;
                onBytes?.Invoke(n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (received < blob.Size)
            throw new PeerException(peer, blob.Digest, $"connection closed after {received} of {blob.Size} bytes", status);
    }

    private static string StatusText(HttpResponseMessage response)
    {
        var text = $"{(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();
        return response.StatusCode == HttpStatusCode.Unauthorized
            ? $"{text} (the peer refused this node's signature: do both nodes hold the same cluster secret, and agree on the time?)"
            : text;
    }

    private static string Describe(ContentRangeHeaderValue? range) =>
        range is null ? "no Content-Range" : $"Content-Range {range}";

    /// <summary>The innermost message says what went wrong (connection refused, reset); the outer ones only that a request failed.</summary>
    private static string Transport(Exception e)
    {
        var messages = new List<string>();
        for (var x = e; x is not null; x = x.InnerException)
            if (!messages.Contains(x.Message)) messages.Add(x.Message);
        return string.Join(": ", messages);
    }

    public void Dispose() => _http.Dispose();
}
