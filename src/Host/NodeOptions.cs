using PullCluster.Core.Store;

namespace PullCluster.Host;

/// <summary>The node's command line: flags win over environment variables, which win over config/pullcluster.conf.</summary>
/// <param name="RemoteTlsPassword">The certificate's password, only from the environment: a flag would show it to every user in ps.</param>
public sealed record NodeOptions(
    string NodeHost,
    int NodePort,
    string? Store,
    string? ConfigFile,
    string? Remote,
    string? Postgres,
    string? RemoteTlsCertificate = null,
    string? RemoteTlsCa = null,
    string? RemoteTlsPassword = null)
{
    public const string DefaultNode = "127.0.0.1:9110";

    public static NodeOptions Parse(string[] args)
    {
        string? node = Environment.GetEnvironmentVariable("PULLCLUSTER_NODE");
        string? store = Environment.GetEnvironmentVariable("PULLCLUSTER_STORE");
        string? config = Environment.GetEnvironmentVariable("PULLCLUSTER_CONFIG");
        string? remote = Environment.GetEnvironmentVariable("PULLCLUSTER_REMOTE");
        string? postgres = Environment.GetEnvironmentVariable("PULLCLUSTER_POSTGRES");
        string? tlsCertificate = Environment.GetEnvironmentVariable("PULLCLUSTER_REMOTE_TLS_CERT");
        string? tlsCa = Environment.GetEnvironmentVariable("PULLCLUSTER_REMOTE_TLS_CA");
        string? tlsPassword = Environment.GetEnvironmentVariable("PULLCLUSTER_REMOTE_TLS_PASSWORD");
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--node": node = Value(); break;
                case "--store": store = Value(); break;
                case "--config": config = Value(); break;
                case "--remote": remote = Value(); break;
                case "--postgres": postgres = Value(); break;
                case "--remote-tls-cert": tlsCertificate = Value(); break;
                case "--remote-tls-ca": tlsCa = Value(); break;
                case "-h" or "--help":
                    throw new HelpRequested();
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        var (host, port) = SplitHostPort(string.IsNullOrEmpty(node) ? DefaultNode : node);
        return new NodeOptions(host, port, NullIfEmpty(store), NullIfEmpty(config), NullIfEmpty(remote), NullIfEmpty(postgres),
            NullIfEmpty(tlsCertificate), NullIfEmpty(tlsCa), NullIfEmpty(tlsPassword));
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    public static (string Host, int Port) SplitHostPort(string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value[(colon + 1)..], out var port) || port is <= 0 or > 65535)
            throw new ArgumentException($"invalid address '{value}': expected HOST:PORT");
        return (value[..colon].Trim('[', ']'), port);
    }

    public const string Usage = """
        usage: pullcluster-node [--node HOST:PORT] [--store DIR] [--config FILE] [--postgres CONNSTR]
                                [--remote HOST:PORT [--remote-tls-cert FILE --remote-tls-ca FILE]]

          --node HOST:PORT       where the CLI reaches this node (env PULLCLUSTER_NODE, default 127.0.0.1:9110)
          --store DIR            the store directory (env PULLCLUSTER_STORE, default ~/.local/share/pullcluster)
          --config FILE          extra HOCON configuration over config/pullcluster.conf (env PULLCLUSTER_CONFIG)
          --postgres CONNSTR     keep the journal in PostgreSQL (Npgsql connection string; env PULLCLUSTER_POSTGRES);
                                 default: SQLite, journal.db in the store
          --remote HOST:PORT     also accept actor messages over Akka.Remote there (env PULLCLUSTER_REMOTE); beyond
                                 loopback only with mutual TLS (the two options below, or pullcluster.remote.tls)
          --remote-tls-cert FILE this node's certificate and private key, PKCS#12 .pfx/.p12 (env PULLCLUSTER_REMOTE_TLS_CERT);
                                 its password: pullcluster.remote.tls.password or env PULLCLUSTER_REMOTE_TLS_PASSWORD
          --remote-tls-ca FILE   PEM CA certificates: only peers presenting a certificate they issued can send
                                 messages (env PULLCLUSTER_REMOTE_TLS_CA)
        """;
}

public sealed class HelpRequested : Exception;
