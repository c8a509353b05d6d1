using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PullCluster.Tests.Cmd;

/// <summary>
/// Injects gateway faults: on loopback, accepts one connection, reads the request line, sends the given
/// reply lines and then hangs up (or, with <c>hang</c>, keeps the connection open and silent).
/// </summary>
internal sealed class FaultyNode : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();

    public FaultyNode(IReadOnlyList<string> replyLines, bool hang = false)
    {
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        RequestLine = Serve(replyLines, hang);
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public Task<string?> RequestLine { get; }

    private async Task<string?> Serve(IReadOnlyList<string> replyLines, bool hang)
    {
        using var client = await listener.AcceptTcpClientAsync(stop.Token);
        using var stream = client.GetStream();
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
        listener.Stop();
    }
}
