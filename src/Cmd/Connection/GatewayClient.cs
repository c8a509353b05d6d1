using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using PullCluster.Core.Gateway;
using PullCluster.Core.Layers;

namespace PullCluster.Cmd.Connection;

/// <summary>
/// One request per connection, as the gateway expects: send the request as a JSON line, then read reply
/// lines, handing progress to the caller, until the final one.
/// </summary>
/// <param name="token">The admin token, added to every request sent over TCP; never sent to a unix socket.</param>
/// <param name="replyTimeout">How long to wait for each reply line; null waits as long as the node keeps the
/// connection open, which a long pull needs.</param>
public sealed class GatewayClient(NodeEndpoint node, string? token = null, TimeSpan? replyTimeout = null)
{
    /// <summary>The group that the node's socket belongs to unless its configuration names another.</summary>
    public const string AccessGroup = "pullcluster";

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private NodeEndpoint Node => node;

    /// <summary>Over TCP every request carries the admin token; a unix socket trusts the kernel's word on the caller instead.</summary>
    private GatewayRequest Authorized(GatewayRequest request) => node is NodeAddress ? request with { Token = token } : request;

    /// <param name="activity">Names the request in errors, e.g. "pull" or "removal of alpine".</param>
    /// <param name="expectedKind">The final reply kind that means success; an "error" reply becomes a <see cref="CliFailure"/>.</param>
    public GatewayReply Send(
        GatewayRequest request, string activity, string expectedKind, Action<PullProgressDto>? onProgress = null)
    {
        using var socket = Connect();
        if (replyTimeout is { } timeout) socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        using var stream = new NetworkStream(socket, ownsSocket: false);
        Write(stream, Authorized(request), activity);

        var reader = new ReplyLineReader(stream);
        while (ReadLine(reader, activity) is { } line)
        {
            if (line.Span.Trim(" \t"u8).IsEmpty) continue;
            var reply = Parse(line.Span, activity);
            if (reply.Kind == GatewayKinds.Progress)
            {
                if (reply.Progress is not null) onProgress?.Invoke(reply.Progress);
                continue;
            }
            if (reply.Kind == GatewayKinds.Error)
                throw new CliFailure(reply.Message is { Length: > 0 } message
                    ? message
                    : $"node {node} failed the {activity} without saying why");
            if (reply.Kind != expectedKind)
                throw new CliFailure($"node {node} answered the {activity} with '{reply.Kind}' where '{expectedKind}' was expected");
            return reply;
        }
        throw new CliFailure($"node {node} closed the connection before the {activity} finished");
    }

    /// <summary>
    /// Sends a request answered with content (rootfs, export): the data lines reach <paramref name="consume"/> as one
    /// read-only stream, which ends at the final "ok". An "error" line, a malformed line or a connection that ends
    /// early makes the stream's next read throw a <see cref="CliFailure"/>, so a truncated tar never looks complete.
    /// Whatever <paramref name="consume"/> leaves unread is read and dropped before the final reply is returned.
    /// </summary>
    public GatewayReply Receive(GatewayRequest request, string activity, Action<Stream> consume)
    {
        using var socket = Connect();
        if (replyTimeout is { } timeout) socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        using var stream = new NetworkStream(socket, ownsSocket: false);
        Write(stream, Authorized(request), activity);
        var data = new DataStream(this, new ReplyLineReader(stream), activity);
        consume(data);
        data.CopyTo(Stream.Null);
        return data.Final ?? throw new CliFailure($"node {node} closed the connection before the {activity} finished");
    }

    /// <summary>The content of the data lines of one reply stream, read as the caller asks for it.</summary>
    private sealed class DataStream(GatewayClient client, ReplyLineReader reader, string activity) : ReadOnlyStream
    {
        private long left;

        public GatewayReply? Final { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> destination)
        {
            while (left == 0)
            {
                if (Final is not null || destination.IsEmpty) return 0;
                NextLine();
            }
            int read;
            try
            {
                read = reader.ReadData(destination[..(int)Math.Min(destination.Length, left)]);
            }
            catch (IOException e)
            {
                throw new CliFailure($"node {client.Node} broke the connection during the {activity}: {e.Message}");
            }
            if (read == 0) throw new CliFailure($"node {client.Node} closed the connection in the middle of the {activity}'s data");
            left -= read;
            return read;
        }

        private void NextLine()
        {
            var line = client.ReadLine(reader, activity)
                ?? throw new CliFailure($"node {client.Node} closed the connection before the {activity} finished");
            if (line.Span.Trim(" \t"u8).IsEmpty) return;
            var reply = client.Parse(line.Span, activity);
            switch (reply.Kind)
            {
                case GatewayKinds.Data:
                    left = reply.Length ?? 0;
                    break;
                case GatewayKinds.Progress:
                    break;
                case GatewayKinds.Ok:
                    Final = reply;
                    break;
                case GatewayKinds.Error:
                    throw new CliFailure(reply.Message is { Length: > 0 } message
                        ? message
                        : $"node {client.Node} failed the {activity} without saying why");
                default:
                    throw new CliFailure($"node {client.Node} answered the {activity} with '{reply.Kind}' where data was expected");
            }
        }
    }

    private Socket Connect() => node switch
    {
        UnixSocketEndpoint unix => ConnectUnix(unix),
        NodeAddress tcp => ConnectTcp(tcp),
        _ => throw new InvalidOperationException($"unknown node endpoint {node}"),
    };

    /// <summary>
    /// A unix socket connect is answered by the kernel at once: refused, or no file there, means no node (one may
    /// be started); permission denied means the socket's mode keeps this user out, and no node of its own may
    /// take the socket's place.
    /// </summary>
    private static Socket ConnectUnix(UnixSocketEndpoint unix)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(unix.Path));
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw e.SocketErrorCode switch
            {
                SocketError.AccessDenied =>
                    new CliFailure($"permission denied connecting to {unix.Path}: add the user to group '{AccessGroup}'"),
                SocketError.ConnectionRefused => new NodeUnreachableException(unix, "connection refused"),
                SocketError.AddressNotAvailable => new NodeUnreachableException(unix, "no socket there"),
                _ => new CliFailure($"cannot connect to node {unix}: {e.Message}"),
            };
        }
    }

    private static Socket ConnectTcp(NodeAddress node)
    {
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(node.Host, out var ip) ? [ip] : Dns.GetHostAddresses(node.Host);
        }
        catch (SocketException e)
        {
            throw new CliFailure($"cannot resolve node host '{node.Host}': {e.Message}");
        }

        SocketException? last = null;
        foreach (var address in addresses)
        {
            // A blocking connect: Linux bounds it by SO_SNDTIMEO, and it needs none of the thread pool an
            // asynchronous connect would start, which is most of the CLI's start-up.
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            {
                NoDelay = true,
                SendTimeout = (int)ConnectTimeout.TotalMilliseconds,
            };
            try
            {
                socket.Connect(new IPEndPoint(address, node.Port));
                socket.SendTimeout = 0;
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.InProgress or SocketError.WouldBlock or SocketError.TimedOut)
            {
                socket.Dispose();
                throw new CliFailure($"cannot connect to node {node}: no answer within {ConnectTimeout.TotalSeconds:0} s");
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
        }

        if (last is null || last.SocketErrorCode == SocketError.ConnectionRefused)
            throw new NodeUnreachableException(node, "connection refused");
        throw new CliFailure($"cannot connect to node {node}: {last.Message}");
    }

    private void Write(NetworkStream stream, GatewayRequest request, string activity)
    {
        try
        {
            stream.Write(GatewayCodec.EncodeRequestLine(request));
        }
        catch (IOException e)
        {
            throw new CliFailure($"node {node} closed the connection before the {activity} was sent: {e.Message}");
        }
    }

    private ReadOnlyMemory<byte>? ReadLine(ReplyLineReader reader, string activity)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock })
        {
            throw new CliFailure($"node {node} did not answer the {activity} within {replyTimeout?.TotalSeconds:0.#} s");
        }
        catch (IOException)
        {
            // A reset is the same event to the user as an orderly close: the node went away mid-request.
            return null;
        }
        catch (InvalidDataException e)
        {
            throw new CliFailure($"node {node} sent an unreadable reply to the {activity}: {e.Message}");
        }
    }

    private GatewayReply Parse(ReadOnlySpan<byte> line, string activity)
    {
        try
        {
            return GatewayCodec.DecodeReply(line);
        }
        catch (JsonException e)
        {
            throw new CliFailure($"node {node} sent an unreadable reply to the {activity}: {e.Message}");
        }
    }
}
