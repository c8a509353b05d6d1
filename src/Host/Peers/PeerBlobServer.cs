using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PullCluster.Core.Peers;
using PullCluster.Core.Store;

namespace PullCluster.Host.Peers;

/// <summary>
/// The node's <c>--http</c> listener: serves the content store's blobs, stored or still arriving, to cluster members
/// (<see cref="PeerBlobRequests"/>). A bare Kestrel server rather than a web host: the node's own host owns start-up,
/// logging and signals, and this listener must neither read ASPNETCORE_* settings nor stop on SIGTERM by itself
/// while a graceful leave still needs it to serve.
/// </summary>
public sealed class PeerBlobServer : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly EndPoint _listen;
    private readonly PeerBlobRequests _requests;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private KestrelServer? _server;

    /// <param name="listen">Where to listen: an <see cref="IPEndPoint"/> (port 0 picks a free port, see <see cref="Addresses"/>), or a <see cref="DnsEndPoint"/>, bound on each address its name resolves to.</param>
    /// <param name="store">The node's content store (the one whose ingests the node's downloads open).</param>
    /// <param name="signer">The farm's peer-request signer; requests it does not verify get 401.</param>
    public PeerBlobServer(EndPoint listen, ContentStore store, PeerRequestSigner signer, ILoggerFactory loggers)
    {
        if (listen is not (IPEndPoint or DnsEndPoint))
            throw new ArgumentException($"the peer server listens on an IP address or host name and port, not {listen}", nameof(listen));
        _listen = listen;
        _loggers = loggers;
        _log = loggers.CreateLogger<PeerBlobServer>();
        _requests = new PeerBlobRequests(store, signer, _log);
    }

    /// <summary>The base addresses it listens on (<c>http://127.0.0.11:8081</c>) once started.</summary>
    public IReadOnlyList<Uri> Addresses { get; private set; } = [];

    public async Task StartAsync(CancellationToken ct)
    {
        if (_server is not null) throw new InvalidOperationException("the peer blob server is already started");
        var options = new KestrelServerOptions { AddServerHeader = false };
        foreach (var address in await ResolveAsync(ct)) options.Listen(address);
        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), _loggers);
        var server = new KestrelServer(Options.Create(options), transport, _loggers);
        try
        {
            await server.StartAsync(new Application(_requests), ct);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            server.Dispose();
            throw new IOException($"the peer blob server cannot listen on {Describe(_listen)}: {e.Message}", e);
        }
        _server = server;
        Addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses.Select(a => new Uri(a)).ToArray() ?? [];
        _log.LogInformation("peer blob server listening on {Addresses}; only requests signed with the cluster secret are served",
            string.Join(", ", Addresses));
    }

    /// <summary>
    /// Stops listening and lets transfers under way finish for a short grace (or until <paramref name="ct"/>), then
    /// aborts the rest: a transfer of a blob whose download stalled could otherwise hold the node's shutdown for
    /// ever, and a receiver resumes an aborted transfer from another holder.
    /// </summary>
    public async Task StopAsync(CancellationToken ct)
    {
        if (_server is not { } server) return;
        _server = null;
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(ct);
        grace.CancelAfter(StopGrace);
        await server.StopAsync(grace.Token);
        server.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    private async Task<IReadOnlyList<IPEndPoint>> ResolveAsync(CancellationToken ct)
    {
        if (_listen is IPEndPoint ip) return [ip];
        var dns = (DnsEndPoint)_listen;
        var addresses = await Dns.GetHostAddressesAsync(dns.Host, ct);
        if (addresses.Length == 0) throw new IOException($"the peer blob server's host name {dns.Host} resolves to no address");
        return addresses.Distinct().Select(a => new IPEndPoint(a, dns.Port)).ToArray();
    }

    private static string Describe(EndPoint endPoint) => endPoint is DnsEndPoint dns ? $"{dns.Host}:{dns.Port}" : endPoint.ToString()!;

    private sealed class Application(PeerBlobRequests requests) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures);

        public Task ProcessRequestAsync(HttpContext context) => requests.HandleAsync(context);

        public void DisposeContext(HttpContext context, Exception? exception)
        {
        }
    }
}
