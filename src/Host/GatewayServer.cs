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
using PullCluster.Core.Access;
using PullCluster.Actors.Protocol;
using PullCluster.Core.Gateway;
using PullCluster.Host.Access;

namespace PullCluster.Host;

/// <summary>
/// Accepts CLI connections on the unix socket (and on TCP when asked). Each connection is one request line in,
/// a stream of reply lines out. The caller is checked against the access rules before anything is done: on the
/// unix socket by the credentials the kernel gives for the peer, on TCP by the admin token in the request. A
/// refused request gets one error line; an allowed one becomes a GatewaySession actor speaking the ordinary
/// message API. Every request is logged with who sent it, never with its token. Content (rootfs, export) leaves
/// as data lines written straight to the socket, so the CLI writes the files, not the node.
/// </summary>
public sealed class GatewayServer(GatewayListeners listeners, ActorRegistry registry, ActorSystem system, ILogger<GatewayServer> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pulls = await registry.GetAsync<PullsKey>(stoppingToken);
        log.LogInformation("PullCluster node listening on {Socket}{Tcp}", listeners.SocketPath,
            listeners.Tcp is { } address ? $" and TCP {address}" : "");
        var loops = new List<Task> { AcceptLoop(listeners.Unix!, pulls, stoppingToken) };
        if (listeners.TcpListener is { } tcp) loops.Add(AcceptLoop(tcp.Server, pulls, stoppingToken));
        try
        {
            await Task.WhenAll(loops);
        }
        finally
        {
            listeners.Dispose();
        }
    }

    private async Task AcceptLoop(Socket listener, IActorRef pulls, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (SocketException e)
            {
                log.LogWarning("gateway accept failed: {Message}", e.Message);
                continue;
            }
            _ = ServeAsync(client, pulls, ct);
        }
    }

    private async Task ServeAsync(Socket client, IActorRef pulls, CancellationToken ct)
    {
        using var _ = client;
        var isUnix = client.AddressFamily == AddressFamily.Unix;
        if (!isUnix) client.NoDelay = true;
        await using var stream = new NetworkStream(client, ownsSocket: false);
        IActorRef? session = null;
        try
        {
            // Read at once, before the request: a peer's credentials are those it had when it connected.
            var caller = isUnix ? PeerCredentialReader.Read(client) : null;
            var line = await ReadRequestLineAsync(stream, ct);
            if (line is null) return;
            var channel = Channel.CreateUnbounded<GatewayOutput>(new UnboundedChannelOptions { SingleReader = true });
            var request = Decode(line, channel.Writer);
            if (request is not null)
            {
                var decision = caller is not null
                    ? listeners.Policy.Check(caller, request.Op)
                    : listeners.Policy.CheckToken(request.Token);
                LogRequest(request, caller, client, decision);
                if (decision.IsAllowed) session = system.ActorOf(GatewaySession.Props(request, pulls, channel.Writer));
                else Refuse(channel.Writer, decision.Refusal!);
            }
            else LogMalformed(caller, client);
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

    private static GatewayRequest? Decode(string line, ChannelWriter<GatewayOutput> output)
    {
        try
        {
            return GatewayCodec.DecodeRequest(Encoding.UTF8.GetBytes(line));
        }
        catch (JsonException e)
        {
            Refuse(output, $"malformed request: {e.Message}");
            return null;
        }
    }

    private static void Refuse(ChannelWriter<GatewayOutput> output, string message)
    {
        output.TryWrite(new ReplyLine(new GatewayReply(GatewayKinds.Error, Message: message)));
        output.TryComplete();
    }

    /// <summary>The most a request line may hold: a reference, a platform and a token fit many times over.</summary>
    private const int MaxRequestLine = 64 << 10;

    /// <summary>How long a client may take to send its request line.</summary>
    private static readonly TimeSpan RequestDeadline = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The request line, read before anyone is authenticated, so bounded in size and in time: a client that sends
    /// endless bytes without a line break, or nothing at all, must not hold the node's memory or its sockets.
    /// Null when the client closed, sent too much or took too long.
    /// </summary>
    private async Task<string?> ReadRequestLineAsync(NetworkStream stream, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(RequestDeadline);
        var buffer = new byte[MaxRequestLine];
        var filled = 0;
        try
        {
            while (filled < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(filled), deadline.Token);
                if (n == 0) return null;
                var newline = Array.IndexOf(buffer, (byte)'\n', filled, n);
                filled += n;
                if (newline >= 0) return Encoding.UTF8.GetString(buffer, 0, newline).TrimEnd('\r');
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            log.LogWarning("gateway: no request line within {Deadline}; connection closed", RequestDeadline);
            return null;
        }
        log.LogWarning("gateway: request line longer than {Max} bytes; connection closed", MaxRequestLine);
        return null;
    }

    private void LogRequest(GatewayRequest request, PeerCredentials? caller, Socket client, AccessDecision decision)
    {
        var from = Describe(caller, client, request.Token is not null);
        if (decision.IsAllowed)
            log.LogInformation("gateway {Op} {Image} from {Caller}: allowed", Printable(request.Op), Printable(request.Image), from);
        else
            log.LogWarning("gateway {Op} {Image} from {Caller}: refused: {Reason}", Printable(request.Op), Printable(request.Image), from, decision.Refusal);
    }

    /// <summary>What a caller sent, with control characters escaped, so that no request can forge a log line.</summary>
    private static string Printable(string? text) =>
        text is null ? "-" : string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));

    private void LogMalformed(PeerCredentials? caller, Socket client) =>
        log.LogWarning("gateway: malformed request from {Caller}", Describe(caller, client, tokenSent: false));

    private static string Describe(PeerCredentials? caller, Socket client, bool tokenSent) =>
        caller is not null
            ? caller.ToString()
            : $"tcp {(client.RemoteEndPoint as IPEndPoint)?.ToString() ?? "?"} ({(tokenSent ? "token sent" : "no token")})";

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
