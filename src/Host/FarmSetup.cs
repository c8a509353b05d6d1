using System.Net;
using Akka.Configuration;
using PullCluster.Actors.Farm;
using PullCluster.Core.Peers;

namespace PullCluster.Host;

/// <summary>
/// What makes this node a member of a farm, checked before anything starts: its seeds, the farm's secret, and where it
/// serves blobs to its peers. A node with none of them is a farm of its own.
/// </summary>
/// <param name="RestartedFirstSeed">
/// This node leads the seed list and was a member a moment ago: Akka would have it form a farm of its own when the other
/// seeds do not answer within seed-node-timeout (a loaded host, a slow handshake), splitting the farm for good. So it
/// goes last in its own list and joins the others, and forms the farm itself only when none answers for long (the whole
/// farm restarted; see <see cref="FarmMembership"/>).
/// </param>
public sealed record FarmSetup(IReadOnlyList<string> Seeds, ClusterSecret? Secret, ClusterSecret? MembershipSecret, string PeerUrl, bool RestartedFirstSeed = false)
{
    /// <summary>What the node's Akka configuration needs to know of the seed order chosen here.</summary>
    public Config AkkaConfig => ConfigurationFactory.ParseString($"pullcluster.cluster.restarted-first-seed = {(RestartedFirstSeed ? "on" : "off")}");

    /// <summary>Throws <see cref="ArgumentException"/> or <see cref="ClusterSecretException"/> naming what is missing or wrong.</summary>
    /// <param name="farmMarker">The store's marker of recent membership (<see cref="Core.Store.StoreLayout.FarmMarker"/>).</param>
    public static FarmSetup From(Config config, NodeOptions options, string farmMarker)
    {
        var seeds = options.Seeds ?? [];
        var restartedFirstSeed = seeds.Count > 1 && options.Remote is { } remote &&
                                 string.Equals(seeds[0], remote, StringComparison.OrdinalIgnoreCase) && FarmMembership.WasMemberLately(farmMarker);
        if (restartedFirstSeed) seeds = [.. seeds.Skip(1), seeds[0]];
        var secretFile = config.GetString("pullcluster.cluster.secret-file", "");
        var secret = string.IsNullOrEmpty(secretFile) ? null : ClusterSecret.Read(secretFile);
        if (seeds.Count > 0 && secret is null)
            throw new ArgumentException(
                "--seed needs the farm's secret (--secret-file FILE, env PULLCLUSTER_SECRET_FILE): without it any process that " +
                "reaches the cluster port could join the farm and command this node");
        if (seeds.Count > 0 && options.Http is null)
            throw new ArgumentException("--seed needs --http HOST:PORT: a farm's nodes take blobs from each other there");
        // A node that nobody was told to reach (no --remote, no secret) still listens for its one-node cluster; a secret
        // only it knows makes that port useless to anyone else. A --remote without a secret keeps the endpoint's own rules.
        var explicitRemote = config.GetInt("akka.remote.dot-netty.tcp.port", 0) != 0;
        var membership = secret ?? (explicitRemote ? null : ClusterSecret.Ephemeral());
        return new FarmSetup(seeds, secret, membership, options.Http is null ? "" : options.PeerUrl ?? PeerUrlOf(options.Http, config),
            restartedFirstSeed);
    }

    /// <summary>The seeds as Akka addresses: over TLS when the endpoint has it, as every farm node's does.</summary>
    public string[] SeedNodes(RemoteEndpoint? endpoint) =>
        Seeds.Select(s => $"{(endpoint?.Tls is null ? "akka.tcp" : "akka.ssl.tcp")}://pullcluster@{s}").ToArray();

    /// <summary>The peer listener's address: an IP literal as it is, a host name as what it resolves to.</summary>
    public static EndPoint EndPointOf(string http)
    {
        var (host, port) = NodeOptions.SplitHostPort(http);
        return IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port);
    }

    // A listener on every interface is reached at the address the node is known by in the cluster.
    private static string PeerUrlOf(string http, Config config)
    {
        var (host, port) = NodeOptions.SplitHostPort(http);
        if (IPAddress.TryParse(host, out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)))
            host = config.GetString("akka.remote.dot-netty.tcp.hostname", "127.0.0.1");
        return $"http://{(host.Contains(':') ? $"[{host}]" : host)}:{port}";
    }
}
