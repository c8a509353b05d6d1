using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// An HTTP/1.1 proxy on 127.0.0.1:&lt;free port&gt; in front of a registry, for fault injection. Requests go to the
/// registry unchanged (Host included, so upload Locations point back at the proxy); responses come back unchanged
/// except for the faults of matching rules. Every request is recorded in <see cref="Requests"/>.
/// <code>
/// await using var proxy = FaultProxy.Start(registry);
/// proxy.Inject(Fault.CutAfter(1000), pathContains: layer.Digest.ToString(), method: "GET");
/// // pull from proxy.Address …
/// Assert.Equal("bytes=1000-", proxy.RequestsFor(layer.Digest.ToString(), "GET")[1].Range);
/// </code>
/// </summary>
public sealed class FaultProxy : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan CutDrainTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpListener _listener;
    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<FaultRule> _rules = [];
    private readonly List<ProxiedRequest> _requests = [];
    private readonly ConcurrentDictionary<Socket, Task> _connections = new();
    private readonly Task _acceptLoop;
    private int _sequence = -1;
    private int _disposed;

    private FaultProxy(string upstreamHost, int upstreamPort)
    {
        _upstreamHost = upstreamHost;
        _upstreamPort = upstreamPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public static FaultProxy Start(RegistryProcess upstream) => new("127.0.0.1", upstream.Port);

    public static FaultProxy Start(int upstreamPort, string upstreamHost = "127.0.0.1") => new(upstreamHost, upstreamPort);

    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>: use it where a registry address goes.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public Uri BaseUri => new($"http://{Address}/");

    /// <summary><c>127.0.0.1:port/repo:tag</c> (or <c>@digest</c>) through this proxy.</summary>
    public string Reference(string repository, string tagOrDigest) =>
        Core.Formats.Digest.TryParse(tagOrDigest, out _) ? $"{Address}/{repository}@{tagOrDigest}" : $"{Address}/{repository}:{tagOrDigest}";

    /// <summary>
    /// Applies <paramref name="fault"/> to the next <paramref name="times"/> requests (or <see cref="FaultRule.Always"/>)
    /// whose target contains <paramref name="pathContains"/> and whose method is <paramref name="method"/> (null: any).
    /// The first <paramref name="skip"/> matching requests pass the rule by, so rules with growing skips fault
    /// successive requests differently. Several rules can apply to one request: delays add up, a status, redirect or
    /// drop answers it, body faults combine.
    /// </summary>
    public FaultRule Inject(Fault fault, string? pathContains = null, string? method = null, int times = 1, int skip = 0)
    {
        var rule = new FaultRule(fault, pathContains, method, times, skip);
        lock (_rules) _rules.Add(rule);
        return rule;
    }

    public void Remove(FaultRule rule)
    {
        lock (_rules) _rules.Remove(rule);
    }

    public void ClearFaults()
    {
        lock (_rules) _rules.Clear();
    }

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<ProxiedRequest> Requests
    {
        get { lock (_requests) return _requests.ToArray(); }
    }

    /// <summary>Requests whose target contains <paramref name="pathContains"/> (e.g. a digest), optionally of one method.</summary>
    public IReadOnlyList<ProxiedRequest> RequestsFor(string pathContains, string? method = null) =>
        Requests.Where(r => r.Target.Contains(pathContains, StringComparison.Ordinal)
            && (method is null || string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase))).ToList();

    public void ClearRequests()
    {
        lock (_requests) _requests.Clear();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            socket.NoDelay = true;
            _connections[socket] = Task.Run(() => ServeConnectionAsync(socket));
        }
    }

    private async Task ServeConnectionAsync(Socket socket)
    {
        var ct = _stop.Token;
        var stream = new NetworkStream(socket, ownsSocket: false);
        var reader = new HttpConnectionReader(stream);
        var abort = false;
        var cut = false;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var head = await reader.ReadHeadAsync(ct);
                if (head is null) break;
                if (!await HandleAsync(head, reader, stream, ct)) break;
            }
        }
        catch (ConnectionAbortRequested)
        {
            abort = true;
        }
        catch (ConnectionCutRequested)
        {
            cut = true;
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or InvalidDataException or ObjectDisposedException)
        {
            abort = true;
        }
        finally
        {
            if (cut) await DeliverAndHangUpAsync(socket);
            if (abort || cut) socket.LingerState = new LingerOption(true, 0);
            socket.Dispose();
            await stream.DisposeAsync();
            _connections.TryRemove(socket, out _);
        }
    }

    /// <summary>Sends FIN after what is already queued, then waits (bounded) for the client to read it all and close.</summary>
    private async Task DeliverAndHangUpAsync(Socket socket)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        wait.CancelAfter(CutDrainTimeout);
        var discard = new byte[4096];
        try
        {
            socket.Shutdown(SocketShutdown.Send);
            while (await socket.ReceiveAsync(discard, SocketFlags.None, wait.Token) > 0) { }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Serves one request; false when the client connection must close afterwards.</summary>
    private async Task<bool> HandleAsync(HttpHead head, HttpConnectionReader client, Stream clientStream, CancellationToken ct)
    {
        var (method, target, version) = head.RequestLine;
        var faults = MatchFaults(method, target);
        var record = new ProxiedRequest(Interlocked.Increment(ref _sequence), method, target, head.Fields.ToArray(),
            faults.Select(f => f.ToString()).ToArray());
        lock (_requests) _requests.Add(record);
        var requestBody = HttpBody.OfRequest(head);
        var closeAfter = head.HasToken("Connection", "close") || version == "HTTP/1.0";
        try
        {
            foreach (var delay in faults.OfType<DelayFault>()) await Task.Delay(delay.Duration, ct);
            if (faults.OfType<DropFault>().Any()) throw new ConnectionAbortRequested();
            if (Answer(faults, head, target) is { } status)
            {
                if (head.HasToken("Expect", "100-continue") && requestBody.Kind != BodyKind.None)
                    await clientStream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), ct);
                await requestBody.CopyAsync(client, _ => ValueTask.CompletedTask, HttpBody.SegmentSize, ct);
                record.SetStatus(status.Code);
                await clientStream.WriteAsync(InjectedResponse(status, closeAfter), ct);
                record.Complete();
                return !closeAfter;
            }
            var keepAlive = await ForwardAsync(head, requestBody, client, clientStream, record, faults, closeAfter, ct);
            record.Complete();
            return keepAlive;
        }
        catch
        {
            record.Abort();
            throw;
        }
    }

    private async Task<bool> ForwardAsync(HttpHead head, HttpBody requestBody, HttpConnectionReader client, Stream clientStream,
        ProxiedRequest record, IReadOnlyList<Fault> faults, bool closeAfter, CancellationToken ct)
    {
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await upstream.ConnectAsync(_upstreamHost, _upstreamPort, ct);
        }
        catch (SocketException e)
        {
            await requestBody.CopyAsync(client, _ => ValueTask.CompletedTask, HttpBody.SegmentSize, ct);
            record.SetStatus(502);
            await clientStream.WriteAsync(PlainResponse(502, $"fault proxy could not reach {_upstreamHost}:{_upstreamPort}: {e.Message}", true), ct);
            return false;
        }
        await using var upstreamStream = new NetworkStream(upstream, ownsSocket: false);
        var upstreamReader = new HttpConnectionReader(upstreamStream);

        // One upstream connection per request keeps framing simple; the client's connection stays persistent.
        foreach (var hop in new[] { "Connection", "Keep-Alive", "Proxy-Connection" }) head.Remove(hop);
        head.Set("Connection", "close");
        if (faults.OfType<IgnoreRangeFault>().Any()) head.Remove("Range");
        if (faults.OfType<RewriteTargetFault>().LastOrDefault() is { } rewrite) head.SetRequestTarget(rewrite.Target);
        if (head.HasToken("Expect", "100-continue"))
        {
            head.Remove("Expect");
            if (requestBody.Kind != BodyKind.None) await clientStream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), ct);
        }
        await upstreamStream.WriteAsync(head.Serialize(), ct);
        await requestBody.CopyAsync(client, segment => requestBody.WriteAsync(upstreamStream, segment, ct), HttpBody.SegmentSize, ct);
        await requestBody.CompleteAsync(upstreamStream, ct);

        HttpHead response;
        while (true)
        {
            response = await upstreamReader.ReadHeadAsync(ct)
                ?? throw new IOException($"{_upstreamHost}:{_upstreamPort} closed the connection without answering {record.Method} {record.Target}");
            if (response.StatusCode is >= 100 and < 200 && response.StatusCode != 101) continue;
            break;
        }

        var responseBody = HttpBody.OfResponse(response, record.Method);
        var close = closeAfter || responseBody.Kind == BodyKind.UntilClose;
        foreach (var hop in new[] { "Connection", "Keep-Alive" }) response.Remove(hop);
        if (close) response.Set("Connection", "close");
        foreach (var forge in faults.OfType<ForgeHeaderFault>()) response.Set(forge.Name, forge.Value);
        record.SetStatus(response.StatusCode);
        await clientStream.WriteAsync(response.Serialize(), ct);

        var body = new FaultedBody(clientStream, responseBody, record, faults);
        await responseBody.CopyAsync(upstreamReader, segment => body.WriteAsync(segment, ct), body.SegmentSize, ct);
        await body.CompleteAsync(ct);
        return !close;
    }

    private List<Fault> MatchFaults(string method, string target)
    {
        lock (_rules) return _rules.Where(r => r.TryApply(method, target)).Select(r => r.Fault).ToList();
    }

    /// <summary>The status a request is answered with instead of being forwarded, if any of its faults answers it.</summary>
    private static StatusFault? Answer(IReadOnlyList<Fault> faults, HttpHead head, string target)
    {
        if (head.Get("Authorization") is null && faults.OfType<RequireAuthorizationFault>().FirstOrDefault() is { } auth)
            return new StatusFault(401, [("WWW-Authenticate", auth.Challenge)], JsonError: true);
        if (faults.OfType<StatusFault>().FirstOrDefault() is { } status) return status;
        return faults.OfType<RedirectFault>().FirstOrDefault() is { } redirect
            ? new StatusFault(307, [("Location", $"http://{redirect.Address}{target}")], JsonError: false)
            : null;
    }

    private static byte[] InjectedResponse(StatusFault fault, bool close)
    {
        if (!fault.JsonError) return Response(fault.Code, "text/plain; charset=utf-8", "", fault.Headers, close);
        var code = fault.Code switch
        {
            401 => "UNAUTHORIZED",
            403 => "DENIED",
            404 => "NAME_UNKNOWN",
            429 => "TOOMANYREQUESTS",
            _ => "UNAVAILABLE",
        };
        var body = $$"""{"errors":[{"code":"{{code}}","message":"injected by fault proxy","detail":null}]}""";
        return Response(fault.Code, "application/json; charset=utf-8", body, fault.Headers, close);
    }

    private static byte[] PlainResponse(int status, string message, bool close) =>
        Response(status, "text/plain; charset=utf-8", message, [], close);

    private static byte[] Response(int status, string contentType, string body, IEnumerable<(string Name, string Value)> headers, bool close)
    {
        var payload = Encoding.UTF8.GetBytes(body);
        var sb = new StringBuilder($"HTTP/1.1 {status} {ReasonPhrase(status)}\r\n")
            .Append($"Content-Type: {contentType}\r\n")
            .Append($"Content-Length: {payload.Length}\r\n")
            .Append("Docker-Distribution-Api-Version: registry/2.0\r\n");
        foreach (var (name, value) in headers) sb.Append($"{name}: {value}\r\n");
        if (close) sb.Append("Connection: close\r\n");
        return [.. Encoding.Latin1.GetBytes(sb.Append("\r\n").ToString()), .. payload];
    }

    private static string ReasonPhrase(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        307 => "Temporary Redirect",
        404 => "Not Found",
        408 => "Request Timeout",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Injected",
    };

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stop.Cancel();
        _listener.Stop();
        await _acceptLoop;
        foreach (var socket in _connections.Keys)
        {
            try { socket.Shutdown(SocketShutdown.Both); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }
        await Task.WhenAny(Task.WhenAll(_connections.Values), Task.Delay(TimeSpan.FromSeconds(5)));
        _stop.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public override string ToString() => $"fault proxy {Address} -> {_upstreamHost}:{_upstreamPort}";
}
