using System.Net;
using System.Net.Http.Headers;

namespace PullCluster.Core.Registry;

/// <summary>
/// Pulls manifests and blobs over the OCI distribution API. Safe to share between threads: one pooled connection
/// handler, cached auth per host and scope. Transient faults are retried with backoff; blob retries resume.
/// </summary>
public sealed partial class RegistryClient : IDisposable
{
    private const int MaxRedirects = 5;
    private readonly RegistryOptions _options;
    private readonly RegistryHttpHandler _handler;
    private readonly HttpClient _http;
    private readonly RegistryAuthenticator _auth;

    public RegistryClient(RegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxAttempts must be at least 1");
        _options = options;
        _handler = new RegistryHttpHandler(options);
        _http = new HttpClient(_handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("PullCluster/1.0");
        _auth = new RegistryAuthenticator(options, _http);
    }

    /// <summary>Token requests made so far (all scopes), to observe caching.</summary>
    internal int TokenRequests => _auth.Tokens.Requests;

    public void Dispose() => _http.Dispose();

    private async Task<T> WithRetriesAsync<T>(RequestContext ctx, Func<Task<T>> attempt, CancellationToken ct)
    {
        for (var n = 1; ; n++)
        {
            try
            {
                return await attempt();
            }
            catch (RegistryException e) when (e.IsTransient)
            {
                if (n >= _options.MaxAttempts) throw e.AfterAttempts(ctx.Image, n);
                await Task.Delay(Backoff.Delay(n, e.RetryAfter, _options), ct);
            }
        }
    }

    /// <summary>
    /// GETs <paramref name="path"/> on the image's registry, authenticating on 401 and following redirects; returns
    /// whatever final response arrives for the caller to judge.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(RequestContext ctx, string path, Action<HttpRequestMessage> configure, CancellationToken ct)
    {
        var start = new Uri(RegistryEndpoint.Resolve(_options, ctx.Image).BaseUri, path);
        var authorization = await _auth.InitialHeaderAsync(ctx, ct);
        var authRetried = false;
        var uri = start;
        for (var hop = 0; ; hop++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, uri);
            configure(request);
            var sameHost = SameAuthority(uri, start);
            if (sameHost && authorization is not null) request.Headers.Authorization = authorization;
            var response = await SendOnceAsync(ctx, request, ct);

            if (IsRedirect(response.StatusCode))
            {
                var location = response.Headers.Location;
                response.Dispose();
                if (location is null) throw ctx.Error($"HTTP {(int)response.StatusCode} redirect without a Location header from {uri.Authority}");
                if (hop >= MaxRedirects) throw ctx.Error($"more than {MaxRedirects} redirects (last to {location})");
                uri = location.IsAbsoluteUri ? location : new Uri(uri, location);
                continue;
            }
            if (response.StatusCode == HttpStatusCode.Unauthorized && sameHost)
            {
                using (response)
                {
                    if (authRetried) throw ctx.Error($"HTTP 401 Unauthorized: {_auth.Rejection(ctx)}", 401);
                    authorization = await _auth.RetryHeaderAsync(ctx, response, authorization, ct);
                }
                authRetried = true;
                uri = start;
                hop = -1;
                continue;
            }
            return response;
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(RequestContext ctx, HttpRequestMessage request, CancellationToken ct)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(_options.IdleTimeout);
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, idle.Token);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw ctx.Error($"no response from {request.RequestUri!.Authority} within {Seconds(_options.IdleTimeout)}", transient: true, inner: e);
        }
        catch (HttpRequestException e)
        {
            throw NetworkError(ctx, request.RequestUri!, e);
        }
    }

    /// <summary>One read of a response body, where silence longer than the idle timeout counts as a dropped connection.</summary>
    private async ValueTask<int> ReadAsync(RequestContext ctx, Stream body, Memory<byte> buffer, CancellationTokenSource idle, CancellationToken ct)
    {
        idle.CancelAfter(_options.IdleTimeout);
        try
        {
            return await body.ReadAsync(buffer, idle.Token);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw ctx.Error($"no data for {Seconds(_options.IdleTimeout)}", transient: true, inner: e);
        }
        catch (IOException e)
        {
            throw ctx.Error($"connection failed while reading: {e.Message}", transient: true, inner: e);
        }
        catch (HttpRequestException e)
        {
            throw ctx.Error($"connection failed while reading: {e.Message}", transient: true, inner: e);
        }
    }

    private static RegistryException NetworkError(RequestContext ctx, Uri uri, HttpRequestException e) =>
        // A certificate that fails verification will fail the same way next time; the handler has named the cause.
        e.HttpRequestError == HttpRequestError.SecureConnectionError
            ? ctx.Error(e.Message, inner: e)
            : ctx.Error($"{uri.Authority}: {e.Message}", transient: true, inner: e);

    /// <summary>Turns an unexpected status into an error carrying the registry's own error code and message.</summary>
    private async Task<RegistryException> FailureAsync(RequestContext ctx, HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var detail = $"HTTP {status} {response.ReasonPhrase ?? response.StatusCode.ToString()}";
        var body = await ErrorBodyAsync(response, ct);
        if (RegistryErrorBody.RegistryError(body) is { } registryError) detail += ": " + registryError;
        else if (response.RequestMessage?.RequestUri is { Scheme: "http" } uri && RegistryErrorBody.RefusesPlainHttp(status, body))
            detail += $": {uri.Authority} speaks HTTPS but was asked in plain HTTP; set insecure = off for it";
        var transient = status is 408 or 429 || status >= 500 && status is not (501 or 505);
        return ctx.Error(detail, status, transient, retryAfter: RetryAfter(response));
    }

    /// <summary>The first 16 KiB of an error response's body, or nothing when it cannot be read promptly.</summary>
    private async Task<ReadOnlyMemory<byte>> ErrorBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        var length = 0;
        try
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
            idle.CancelAfter(TimeSpan.FromSeconds(Math.Min(5, _options.IdleTimeout.TotalSeconds)));
            await using var body = await response.Content.ReadAsStreamAsync(idle.Token);
            int n;
            while (length < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(length), idle.Token)) > 0) length += n;
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidOperationException
                                      or OperationCanceledException && !ct.IsCancellationRequested)
        {
        }
        return buffer.AsMemory(0, length);
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow,
        _ => null,
    };

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static bool SameAuthority(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase) &&
        string.Equals(a.Authority, b.Authority, StringComparison.OrdinalIgnoreCase);

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds:0.###}s";

    private static void Accept(HttpRequestMessage request, IEnumerable<string> mediaTypes)
    {
        foreach (var mediaType in mediaTypes) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
    }
}
