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
using PullCluster.Actors.Protocol;
using PullCluster.Core.Gateway;

namespace PullCluster.Host;

/// <summary>
/// Accepts CLI connections on the node address. Each connection is one request line in, a stream of reply
/// lines out; the work itself is a GatewaySession actor speaking the ordinary message API. Content (rootfs,
/// export) leaves as data lines written straight to the socket, so the CLI writes the files, not the node.
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
            var channel = Channel.CreateUnbounded<GatewayOutput>(new UnboundedChannelOptions { SingleReader = true });
            GatewayRequest? request;
            try
            {
                request = GatewayCodec.DecodeRequest(Encoding.UTF8.GetBytes(line));
            }
            catch (JsonException e)
            {
                request = null;
                channel.Writer.TryWrite(new ReplyLine(new GatewayReply(GatewayKinds.Error, Message: $"malformed request: {e.Message}")));
                channel.Writer.TryComplete();
            }
            if (request is not null) session = system.ActorOf(GatewaySession.Props(request, pulls, channel.Writer));
            await foreach (var output in channel.Reader.ReadAllAsync(ct))
            {
                switch (output)
                {
                    case ReplyLine reply:
                        await stream.WriteAsync(GatewayCodec.EncodeReplyLine(reply.Reply), ct);
                        break;
                    case TarReply tar:
                        await SendTarAsync(tar.Tar, stream, ct);
                        break;
                }
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

    /// <summary>
    /// Sends the tar as data lines, then "ok"; a failure while producing it ends the stream with "error" instead. The
    /// producer reads files and blocks on the socket, so it runs on a thread of its own; a client that goes away makes
    /// its next write fail, which stops it.
    /// </summary>
    private async Task SendTarAsync(ImageTar tar, NetworkStream stream, CancellationToken ct)
    {
        GatewayReply final;
        try
        {
            var sent = await Task.Factory.StartNew(() =>
            {
                using var frames = new DataFrameWriter(stream);
                tar.WriteTo(frames, ct);
                return frames.BytesWritten;
            }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            final = new GatewayReply(GatewayKinds.Ok, Message: $"sent the {tar.Description} of {tar.Image} ({sent} bytes)");
        }
        catch (IOException e) when (e.InnerException is SocketException)
        {
            log.LogInformation("the client went away while the {What} of {Image} was being sent: {Message}", tar.Description, tar.Image, e.Message);
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "sending the {What} of {Image} failed", tar.Description, tar.Image);
            final = new GatewayReply(GatewayKinds.Error, Message: $"sending the {tar.Description} of {tar.Image} failed: {e.Message}");
        }
        await stream.WriteAsync(GatewayCodec.EncodeReplyLine(final), ct);
    }
}

/// <summary>Registry key of the PullManager actor.</summary>
public sealed class PullsKey;
