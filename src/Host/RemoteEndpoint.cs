using System.Net;
using Akka.Configuration;
using PullCluster.Actors;
using PullCluster.Core.Peers;

namespace PullCluster.Host;

/// <summary>
/// The node's Akka.Remote endpoint as the final configuration opens it, and the rule for opening it: whoever can
/// connect can send PullImage, RemoveImage, MaterializeRootfs and ExportImage to a node that runs as root, so beyond
/// loopback the endpoint exists only with mutual TLS. A node with the cluster secret always has it (peers prove the
/// secret, programs the configured CA), and may open anywhere. Without a secret, on loopback every local user can
/// connect: a root node opens it without TLS only when told to (pullcluster.remote.allow-unauthenticated-loopback), a
/// user's node with a warning.
/// </summary>
public sealed class RemoteEndpoint : IDisposable
{
    private RemoteEndpoint(string host, int port, RemoteTls? tls)
    {
        Host = host;
        Port = port;
        Tls = tls;
    }

    /// <summary>The address the transport binds; empty binds every interface.</summary>
    public string Host { get; }

    public int Port { get; }

    /// <summary>Null: peers are not authenticated (loopback only).</summary>
    public RemoteTls? Tls { get; }

    public string Address => $"{(Host.Length == 0 ? "0.0.0.0" : Host)}:{Port}";

    public bool IsLoopback => IsLoopbackHost(Host);

    /// <summary>Whether the configuration's actor provider talks to other processes (remote or cluster).</summary>
    public static bool IsRemoting(Config config)
    {
        var provider = config.GetString("akka.actor.provider", "local");
        return !(string.IsNullOrEmpty(provider) || provider.Equals("local", StringComparison.OrdinalIgnoreCase) ||
                 provider.Contains("LocalActorRefProvider", StringComparison.Ordinal));
    }

    /// <summary>
    /// The endpoint <paramref name="config"/> opens, with its TLS credentials read; null when it opens none. With
    /// <paramref name="secret"/> (from --secret-file, or ephemeral for a node alone) TLS is always on and accepts
    /// members of that farm besides the programs of pullcluster.remote.tls, if configured. Throws
    /// <see cref="RemoteTlsException"/> when the endpoint may not open as configured or the credentials cannot be read.
    /// </summary>
    public static RemoteEndpoint? FromConfig(Config config, ClusterSecret? secret)
    {
        if (!IsRemoting(config)) return null;
        // Only the transport whose TLS is enforced may carry messages: another one (akka.remote.plain, say) would open
        // a plain endpoint that nothing here checks.
        // Unset, Akka's own default applies, which is that transport.
        var transports = config.GetStringList("akka.remote.enabled-transports");
        if (transports.Count > 0 && transports is not [DotNettyTransport])
            throw new RemoteTlsException(
                $"akka.remote.enabled-transports must be [\"{DotNettyTransport}\"] (it is [{string.Join(", ", transports)}]): " +
                "the node enforces TLS on that transport only");
        var host = config.GetString("akka.remote.dot-netty.tcp.hostname", "");
        var port = config.GetInt("akka.remote.dot-netty.tcp.port", 2552);
        var tls = RemoteTls.FromConfig(config);
        if (secret is not null) return new RemoteEndpoint(host, port, RemoteTls.ForSecret(secret, tls));
        if (tls is null && config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl", false))
            throw new RemoteTlsException(
                "akka.remote.dot-netty.tcp.enable-ssl is set without pullcluster.remote.tls: Akka.Remote's own validation trusts " +
                "every publicly issued certificate (or any, with suppress-validation); configure pullcluster.remote.tls instead");
        if (tls is null && !IsLoopbackHost(host))
            throw new RemoteTlsException(
                $"refusing to accept actor messages on {(host.Length == 0 ? "every interface" : host)}:{port} without TLS: anyone who " +
                "can reach that port could pull, remove and write images as this node's user. Give this node a certificate and " +
                "the CA of its callers (--remote-tls-cert FILE.p12 --remote-tls-ca CA.pem, or pullcluster.remote.tls), " +
                "or listen on a loopback address (--remote 127.0.0.1:PORT)");
        if (tls is null && Environment.IsPrivilegedProcess && !config.GetBoolean("pullcluster.remote.allow-unauthenticated-loopback", false))
            throw new RemoteTlsException(
                $"refusing to accept actor messages on {host}:{port} without TLS as root: every local user could pull, remove and " +
                "write images as root through it. Give this node a certificate and the CA of its callers (--remote-tls-cert " +
                "FILE.p12 --remote-tls-ca CA.pem, or pullcluster.remote.tls), or, if every local user may, set " +
                "pullcluster.remote.allow-unauthenticated-loopback = on");
        return new RemoteEndpoint(host, port, tls);
    }

    /// <summary>The endpoint without a cluster secret: TLS only when pullcluster.remote.tls configures it.</summary>
    public static RemoteEndpoint? FromConfig(Config config) => FromConfig(config, secret: null);

    /// <summary>
    /// <paramref name="config"/> with the transport's TLS turned on when this endpoint has TLS, so that no setting
    /// weakens it (no client certificate, no validation); the actor system also needs <see cref="RemoteTls.Setup"/>.
    /// </summary>
    public Config Enforce(Config config) => Tls is null ? config : RemoteTls.AkkaConfig.WithFallback(config);

    private const string DotNettyTransport = "akka.remote.dot-netty.tcp";

    /// <summary>127.0.0.0/8, ::1 and localhost; a host name is not resolved, so any other name counts as reachable from outside.</summary>
    public static bool IsLoopbackHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));

    public void Dispose() => Tls?.Dispose();
}
