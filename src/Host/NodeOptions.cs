namespace PullCluster.Host;

/// <summary>The node's command line: flags win over environment variables, which win over config/pullcluster.conf.</summary>
/// <param name="Socket">The unix socket's path; null: the default for the user the node runs as (see SocketPaths).</param>
/// <param name="Tcp">HOST:PORT to accept TCP requests on (remote administration, admin token required); null: none.</param>
/// <param name="TokenFile">The admin token's file; null: pullcluster.access.token-file, else no token.</param>
/// <param name="RemoteTlsPassword">The certificate's password, only from the environment: a flag would show it to every user in ps.</param>
/// <param name="Seeds">HOST:PORT of the farm's seed nodes; empty: a node of its own.</param>
/// <param name="SecretFile">The farm's shared secret; null: pullcluster.cluster.secret-file, else none.</param>
/// <param name="Http">HOST:PORT of the listener that serves blobs to peers; null: none.</param>
/// <param name="PeerUrl">The URL peers reach that listener at, when it is not http://HOST:PORT (a proxy, a NAT, a container).</param>
public sealed record NodeOptions(
    string? Socket,
    TcpAddress? Tcp,
    string? TokenFile,
    string? Store,
    string? ConfigFile,
    string? Remote,
    string? Postgres,
    string? RemoteTlsCertificate = null,
    string? RemoteTlsCa = null,
    string? RemoteTlsPassword = null,
    IReadOnlyList<string>? Seeds = null,
    string? SecretFile = null,
    string? Http = null,
    string? PeerUrl = null)
{
    public static NodeOptions Parse(string[] args)
    {
        string? socket = Environment.GetEnvironmentVariable("PULLCLUSTER_SOCKET");
        string? node = Environment.GetEnvironmentVariable("PULLCLUSTER_NODE");
        string? tokenFile = Environment.GetEnvironmentVariable("PULLCLUSTER_TOKEN_FILE");
        string? store = Environment.GetEnvironmentVariable("PULLCLUSTER_STORE");
        string? config = Environment.GetEnvironmentVariable("PULLCLUSTER_CONFIG");
        string? remote = Environment.GetEnvironmentVariable("PULLCLUSTER_REMOTE");
        string? postgres = Environment.GetEnvironmentVariable("PULLCLUSTER_POSTGRES");
        string? tlsCertificate = Environment.GetEnvironmentVariable("PULLCLUSTER_REMOTE_TLS_CERT");
        string? tlsCa = Environment.GetEnvironmentVariable("PULLCLUSTER_REMOTE_TLS_CA");
        string? tlsPassword = Environment.GetEnvironmentVariable("PULLCLUSTER_REMOTE_TLS_PASSWORD");
        string? secretFile = Environment.GetEnvironmentVariable("PULLCLUSTER_SECRET_FILE");
        string? http = Environment.GetEnvironmentVariable("PULLCLUSTER_HTTP");
        string? peerUrl = Environment.GetEnvironmentVariable("PULLCLUSTER_PEER_URL");
        var envSeeds = (Environment.GetEnvironmentVariable("PULLCLUSTER_SEEDS") ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var seeds = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--socket": socket = Value(); break;
                case "--node": node = Value(); break;
                case "--token-file": tokenFile = Value(); break;
                case "--store": store = Value(); break;
                case "--config": config = Value(); break;
                case "--remote": remote = Value(); break;
                case "--postgres": postgres = Value(); break;
                case "--remote-tls-cert": tlsCertificate = Value(); break;
                case "--remote-tls-ca": tlsCa = Value(); break;
                case "--seed": seeds.Add(Value()); break;
                case "--secret-file": secretFile = Value(); break;
                case "--http": http = Value(); break;
                case "--peer-url": peerUrl = Value(); break;
                case "-h" or "--help":
                    throw new HelpRequested();
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        return new NodeOptions(
            NullIfEmpty(socket) is { } s ? Path.GetFullPath(s) : null,
            NullIfEmpty(node) is { } n ? TcpAddress.Parse(n) : null,
            NullIfEmpty(tokenFile) is { } t ? Path.GetFullPath(t) : null,
            NullIfEmpty(store), NullIfEmpty(config), NullIfEmpty(remote), NullIfEmpty(postgres),
            NullIfEmpty(tlsCertificate), NullIfEmpty(tlsCa), NullIfEmpty(tlsPassword),
            // Flags replace the environment's list rather than add to it, as every other flag does.
            (seeds.Count > 0 ? seeds : envSeeds).Select(CheckedHostPort).ToList(),
            NullIfEmpty(secretFile) is { } f ? Path.GetFullPath(f) : null,
            NullIfEmpty(http) is { } h ? CheckedHostPort(h) : null,
            NullIfEmpty(peerUrl) is { } u ? CheckedHttpUrl(u) : null);
    }

    private static string CheckedHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && uri.AbsolutePath == "/" && uri.Query.Length == 0
            ? uri.GetLeftPart(UriPartial.Authority)
            : throw new ArgumentException($"invalid --peer-url '{value}': expected http://HOST:PORT");

    private static string CheckedHostPort(string value)
    {
        SplitHostPort(value);
        return value;
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
        usage: pullcluster-node [--socket PATH] [--node HOST:PORT --token-file FILE] [--store DIR] [--config FILE]
                                [--postgres CONNSTR] [--remote HOST:PORT [--remote-tls-cert FILE --remote-tls-ca FILE]]
                                [--seed HOST:PORT ... --secret-file FILE --http HOST:PORT [--peer-url URL]]

          --socket PATH          the unix socket the CLI talks to (env PULLCLUSTER_SOCKET; default
                                 /run/pullcluster/pullcluster.sock as root, else $XDG_RUNTIME_DIR/pullcluster/pullcluster.sock,
                                 else run/pullcluster.sock in the store); mode 0660, group pullcluster.access.group
          --node HOST:PORT       also accept requests over TCP there, for remote administration; every TCP request must
                                 carry the admin token (env PULLCLUSTER_NODE; default: no TCP)
          --token-file FILE      the admin token for TCP requests (env PULLCLUSTER_TOKEN_FILE, or
                                 pullcluster.access.token-file); required when --node is not a loopback address
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
          --seed HOST:PORT       a seed node of the farm (repeatable; env PULLCLUSTER_SEEDS, comma-separated): the
                                 --remote address of a node to join; a node may list itself. Without seeds the node is
                                 a farm of its own
          --secret-file FILE     the farm's shared secret (env PULLCLUSTER_SECRET_FILE): only nodes holding it join and
                                 get blobs from each other; required with --seed
          --http HOST:PORT       serve blobs to the farm's nodes there (env PULLCLUSTER_HTTP); required with --seed
          --peer-url URL         where the other nodes reach that listener, when not at http://HOST:PORT of --http (behind
                                 a proxy or NAT, in a container; env PULLCLUSTER_PEER_URL)
        """;
}

/// <summary>An IP address (or localhost) and port for the TCP gateway.</summary>
public sealed record TcpAddress(System.Net.IPAddress Address, int Port, string Text)
{
    public static TcpAddress Parse(string value)
    {
        var (host, port) = NodeOptions.SplitHostPort(value);
        var address = host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            ? System.Net.IPAddress.Loopback
            : System.Net.IPAddress.TryParse(host, out var ip)
                ? ip
                : throw new ArgumentException($"invalid TCP address '{value}': the host must be an IP address or localhost");
        return new TcpAddress(address, port, value);
    }

    public bool IsLoopback => System.Net.IPAddress.IsLoopback(Address);

    public override string ToString() => Text;
}

public sealed class HelpRequested : Exception;
