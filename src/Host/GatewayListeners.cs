using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using PullCluster.Core.Access;
using PullCluster.Host.Access;

namespace PullCluster.Host;

/// <summary>
/// The gateway's listening sockets, opened by Program before the host runs, so that a socket the node cannot
/// take (another node answers there, a directory it may not write) stops the start with a message and exit 1.
/// </summary>
public sealed class GatewayListeners(string socketPath, TcpAddress? tcp, AccessPolicy policy) : IDisposable
{
    public string SocketPath { get; } = socketPath;

    public TcpAddress? Tcp { get; } = tcp;

    public AccessPolicy Policy { get; } = policy;

    public Socket? Unix { get; private set; }

    public TcpListener? TcpListener { get; private set; }

    /// <exception cref="NodeSocketException">A socket cannot be taken; the message says why.</exception>
    public void Open(ILogger log)
    {
        Unix = NodeSocket.Listen(SocketPath, Policy.Users, log);
        if (Tcp is null) return;
        var listener = new TcpListener(Tcp.Address, Tcp.Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            listener.Start(backlog: 512);
        }
        catch (SocketException e)
        {
            throw new NodeSocketException($"cannot listen on TCP {Tcp}: {e.Message}");
        }
        TcpListener = listener;
    }

    /// <summary>Closes the sockets and removes the socket file, which no other node can have taken while this one answered on it.</summary>
    public void Dispose()
    {
        TcpListener?.Stop();
        if (Unix is null) return;
        Unix.Dispose();
        Unix = null;
        try
        {
            File.Delete(SocketPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
