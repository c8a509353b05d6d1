using System.Net;
using System.Net.Sockets;

namespace PullCluster.Tests.Infrastructure;

internal static class FreePort
{
    /// <summary>
    /// A port free on <paramref name="address"/> (default 127.0.0.1) at the time of asking; callers retry if another
    /// process takes it first. Each loopback address has ports of its own, so a farm node on 127.0.0.12 asks there.
    /// </summary>
    public static int Next(IPAddress? address = null)
    {
        var listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        listener.Start();
        try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
    }
}
