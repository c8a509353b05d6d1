using PullCluster.Core.Store;

namespace PullCluster.Host;

/// <summary>The node's command line: flags win over environment variables, which win over config/pullcluster.conf.</summary>
public sealed record NodeOptions(string NodeHost, int NodePort, string? Store, string? ConfigFile, string? Remote, string? Postgres)
{
    public const string DefaultNode = "127.0.0.1:9110";

    public static NodeOptions Parse(string[] args)
    {
        string? node = Environment.GetEnvironmentVariable("PULLCLUSTER_NODE");
        string? store = Environment.GetEnvironmentVariable("PULLCLUSTER_STORE");
        string? config = Environment.GetEnvironmentVariable("PULLCLUSTER_CONFIG");
        string? remote = Environment.GetEnvironmentVariable("PULLCLUSTER_REMOTE");
        string? postgres = Environment.GetEnvironmentVariable("PULLCLUSTER_POSTGRES");
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
                case "-h" or "--help":
                    throw new HelpRequested();
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        var (host, port) = SplitHostPort(string.IsNullOrEmpty(node) ? DefaultNode : node);
        return new NodeOptions(host, port, string.IsNullOrEmpty(store) ? null : store, string.IsNullOrEmpty(config) ? null : config,
            string.IsNullOrEmpty(remote) ? null : remote, string.IsNullOrEmpty(postgres) ? null : postgres);
    }

    public static (string Host, int Port) SplitHostPort(string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value[(colon + 1)..], out var port) || port is <= 0 or > 65535)
            throw new ArgumentException($"invalid address '{value}': expected HOST:PORT");
        return (value[..colon].Trim('[', ']'), port);
    }

    public const string Usage = """
        usage: pullcluster-node [--node HOST:PORT] [--store DIR] [--config FILE] [--remote HOST:PORT] [--postgres CONNSTR]

          --node HOST:PORT    where the CLI reaches this node (env PULLCLUSTER_NODE, default 127.0.0.1:9110)
          --store DIR         the store directory (env PULLCLUSTER_STORE, default ~/.local/share/pullcluster)
          --config FILE       extra HOCON configuration over config/pullcluster.conf (env PULLCLUSTER_CONFIG)
          --remote HOST:PORT  also accept actor messages over Akka.Remote there (env PULLCLUSTER_REMOTE)
          --postgres CONNSTR  keep the journal in PostgreSQL (Npgsql connection string; env PULLCLUSTER_POSTGRES);
                              default: SQLite, journal.db in the store
        """;
}

public sealed class HelpRequested : Exception;
