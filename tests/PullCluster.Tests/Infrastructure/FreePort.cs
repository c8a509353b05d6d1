using System.Net;
using System.Net.Sockets;

namespace PullCluster.Tests.Infrastructure;

internal static class FreePort
{
    /// <summary>A loopback port free at the time of asking; callers retry if another process takes it first.</summary>
    public static int Next()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
    }
}
