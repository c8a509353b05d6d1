using System.Net;
using System.Net.Sockets;
using System.Text;
using PullCluster.Cmd.Connection;
using PullCluster.Tests.Infrastructure;

namespace PullCluster.Tests.Cmd;

/// <summary>
/// Injects gateway faults: on a unix socket in a temp directory (or on loopback TCP), accepts one connection,
/// reads the request line, sends the given reply lines and then hangs up (or, with <c>hang</c>, keeps the
/// connection open and silent).
/// </summary>
internal sealed class FaultyNode : IDisposable
{
    private readonly Socket listener;
    private readonly TempDir? dir;
    private readonly CancellationTokenSource stop = new();

    public FaultyNode(IReadOnlyList<string> replyLines, bool hang = false, bool tcp = false)
    {
        if (tcp)
        {
            listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Endpoint = new NodeAddress("127.0.0.1", ((IPEndPoint)listener.LocalEndPoint!).Port);
        }
        else
        {
            dir = TempDir.Create("faulty-node");
            var path = dir.Combine("node.sock");
            listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            Endpoint = new UnixSocketEndpoint(path);
        }
        listener.Listen();
        RequestLine = Serve(replyLines, hang);
    }

    public NodeEndpoint Endpoint { get; }

    /// <summary>The CLI option that reaches this node: <c>--socket PATH</c> or <c>--node HOST:PORT</c>.</summary>
    public string Option => Endpoint is NodeAddress ? $"--node {Endpoint}" : $"--socket {Endpoint}";

    public Task<string?> RequestLine { get; }

    private async Task<string?> Serve(IReadOnlyList<string> replyLines, bool hang)
    {
        using var client = await listener.AcceptAsync(stop.Token);
        using var stream = new NetworkStream(client);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var request = await reader.ReadLineAsync(stop.Token);
        foreach (var line in replyLines)
            await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), stop.Token);
        if (hang) await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { });
        return request;
    }

    /// <summary>A loopback port with nothing listening on it.</summary>
    public static int ClosedPort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Dispose();
        dir?.Dispose();
    }
}
