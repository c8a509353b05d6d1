using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PullCluster.Actors.Gateway;
using PullCluster.Core.Gateway;

namespace PullCluster.Host;

/// <summary>
/// Accepts CLI connections on the node address. Each connection is one request line in, a stream of reply
/// lines out; the work itself is a GatewaySession actor speaking the ordinary message API.
/// </summary>
public sealed class GatewayServer(NodeOptions options, ActorRegistry registry, ActorSystem system, ILogger<GatewayServer> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pulls = await registry.GetAsync<PullsKey>(stoppingToken);
        var address = options.NodeHost == "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.NodeHost);
        using var listener = new TcpListener(address, options.NodePort);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start(backlog: 512);
        log.LogInformation("PullCluster node listening on {Host}:{Port}", options.NodeHost, options.NodePort);
        while (!stoppingToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            _ = ServeAsync(client, pulls, stoppingToken);
        }
    }

    private async Task ServeAsync(TcpClient client, IActorRef pulls, CancellationToken ct)
    {
        using var _ = client;
        client.NoDelay = true;
        var stream = client.GetStream();
        IActorRef? session = null;
        try
        {
            using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
            var line = await reader.ReadLineAsync(ct);
            if (line is null) return;
            var channel = Channel.CreateUnbounded<GatewayReply>(new UnboundedChannelOptions { SingleReader = true });
            GatewayRequest? request;
            try
            {
                request = GatewayCodec.DecodeRequest(Encoding.UTF8.GetBytes(line));
            }
            catch (JsonException e)
            {
                request = null;
                channel.Writer.TryWrite(new GatewayReply(GatewayKinds.Error, Message: $"malformed request: {e.Message}"));
                channel.Writer.TryComplete();
            }
            if (request is not null) session = system.ActorOf(GatewaySession.Props(request, pulls, channel.Writer));
            await foreach (var reply in channel.Reader.ReadAllAsync(ct))
            {
                await stream.WriteAsync(GatewayCodec.EncodeReplyLine(reply), ct);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            log.LogDebug("gateway connection ended: {Message}", e.Message);
        }
        finally
        {
            session?.Tell(PoisonPill.Instance);
        }
    }
}

/// <summary>Registry key of the PullManager actor.</summary>
public sealed class PullsKey;
