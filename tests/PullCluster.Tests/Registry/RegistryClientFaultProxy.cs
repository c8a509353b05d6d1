using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;

namespace PullCluster.Tests.Registry;

/// <summary>
/// A reverse proxy in front of a real registry that injects faults into blob requests: error statuses,
/// connections cut mid-body, stalls, ignored Range headers, redirects to another host and auth challenges.
/// Requests with no queued fault pass through untouched.
/// </summary>
public sealed class RegistryClientFaultProxy : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None });
    private readonly string _upstreamAddress;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RegistryClientFaultProxy(string upstreamAddress)
    {
        _upstreamAddress = upstreamAddress;
        Port = RegistryClientRegistry.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Faults for successive blob GETs, one per request.</summary>
    public ConcurrentQueue<Fault> BlobFaults { get; } = new();

    /// <summary>When set, blob GETs are answered with 307 to this address (same path), as registries send blobs to storage.</summary>
    public string? RedirectBlobsTo { get; set; }

    /// <summary>When true, requests without an Authorization header get 401 with a Basic challenge.</summary>
    public bool RequireAuthorization { get; set; }

    /// <summary>Replaces the Docker-Content-Digest header of manifest responses, as a corrupting middlebox would.</summary>
    public string? ForgedContentDigest { get; set; }

    /// <summary>Rewrites the upstream path of manifest requests, e.g. to serve another manifest than the one asked for.</summary>
    public Func<string, string>? RewriteManifestPath { get; set; }

    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    public abstract record Fault;
    public sealed record Status(int Code, string? RetryAfter = null) : Fault;
    public sealed record CutAfter(int Bytes) : Fault;
    public sealed record Stall(int BytesFirst, TimeSpan For) : Fault;
    public sealed record IgnoreRange : Fault;

    public sealed record SeenRequest(string Path, string? Range, string? Authorization);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            var path = request.Url!.PathAndQuery;
            Requests.Enqueue(new SeenRequest(path, request.Headers["Range"], request.Headers["Authorization"]));
            if (RequireAuthorization && request.Headers["Authorization"] is null)
            {
                response.StatusCode = 401;
                response.AddHeader("WWW-Authenticate", "Basic realm=\"fault-proxy\"");
                response.Close();
                return;
            }
            var isBlob = path.Contains("/blobs/", StringComparison.Ordinal);
            if (isBlob && RedirectBlobsTo is { } target)
            {
                response.StatusCode = 307;
                response.RedirectLocation = $"http://{target}{path}";
                response.Close();
                return;
            }
            var fault = isBlob && BlobFaults.TryDequeue(out var f) ? f : null;
            if (fault is Status status)
            {
                response.StatusCode = status.Code;
                if (status.RetryAfter is not null) response.AddHeader("Retry-After", status.RetryAfter);
                response.Close();
                return;
            }
            await ForwardAsync(request, response, fault);
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (HttpListenerException)
        {
            // The client went away; nothing to answer.
        }
    }

    private async Task ForwardAsync(HttpListenerRequest request, HttpListenerResponse response, Fault? fault)
    {
        var path = request.Url!.PathAndQuery;
        var isManifest = path.Contains("/manifests/", StringComparison.Ordinal);
        if (isManifest && RewriteManifestPath is { } rewrite) path = rewrite(path);
        using var upstreamRequest = new HttpRequestMessage(new HttpMethod(request.HttpMethod), $"http://{_upstreamAddress}{path}");
        foreach (var name in new[] { "Accept", "Authorization" })
            if (request.Headers.GetValues(name) is { } values)
                upstreamRequest.Headers.TryAddWithoutValidation(name, values);
        if (fault is not IgnoreRange && request.Headers["Range"] is { } range)
            upstreamRequest.Headers.TryAddWithoutValidation("Range", range);

        using var upstream = await _upstream.SendAsync(upstreamRequest, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode = (int)upstream.StatusCode;
        foreach (var (name, values) in upstream.Headers.Concat(upstream.Content.Headers))
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Date", StringComparison.OrdinalIgnoreCase))
                continue;
            if (isManifest && ForgedContentDigest is not null && name.Equals("Docker-Content-Digest", StringComparison.OrdinalIgnoreCase))
                continue;
            foreach (var value in values) response.AddHeader(name, value);
        }
        if (isManifest && ForgedContentDigest is not null) response.AddHeader("Docker-Content-Digest", ForgedContentDigest);
        if (upstream.Content.Headers.ContentLength is { } length) response.ContentLength64 = length;

        await using var body = await upstream.Content.ReadAsStreamAsync();
        switch (fault)
        {
            case CutAfter cut:
                await CopyAsync(body, response.OutputStream, cut.Bytes);
                response.Abort();
                return;
            case Stall stall:
                await CopyAsync(body, response.OutputStream, stall.BytesFirst);
                await Task.Delay(stall.For);
                response.Abort();
                return;
            default:
                await body.CopyToAsync(response.OutputStream);
                response.Close();
                return;
        }
    }

    private static async Task CopyAsync(Stream from, Stream to, int count)
    {
        var buffer = new byte[count];
        var filled = 0;
        int n;
        while (filled < count && (n = await from.ReadAsync(buffer.AsMemory(filled))) > 0) filled += n;
        await to.WriteAsync(buffer.AsMemory(0, filled));
        await to.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (ObjectDisposedException)
        {
        }
        _upstream.Dispose();
    }
}
