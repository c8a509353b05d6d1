using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace PullCluster.Tests.Infrastructure;

/// <summary>Where a farm node listens: its own loopback address, as a host of its own would have.</summary>
public sealed record FarmAddress(IPAddress Host, int RemotePort, int HttpPort)
{
    /// <summary><c>HOST:PORT</c> of the cluster endpoint (<c>--remote</c>, what seeds name).</summary>
    public string Remote => $"{Host}:{RemotePort}";

    /// <summary><c>HOST:PORT</c> of the peer HTTP listener (<c>--http</c>).</summary>
    public string Http => $"{Host}:{HttpPort}";

    public Uri HttpUri => new($"http://{Http}/");

    /// <summary>Picks ports free on <paramref name="host"/> now.</summary>
    public static FarmAddress OnHost(IPAddress host)
    {
        var remote = FreePort.Next(host);
        int http;
        do http = FreePort.Next(host);
        while (http == remote);
        return new FarmAddress(host, remote, http);
    }
}

/// <summary>
/// A farm of real <see cref="NodeProcess"/>es forming one cluster: node i (from 0) on 127.0.0.(11+i), each with its
/// own store, all with the same secret file, the first two as seeds. <see cref="StartAsync"/> returns once every
/// node logged <c>cluster member up: … (N up)</c>. Nodes can be killed (<see cref="Kill9"/>), stopped gracefully
/// (<see cref="StopAsync"/>) and restarted on the same store, address and ports (<see cref="RestartAsync"/>).
/// <code>
/// await using var farm = await ClusterFarm.StartAsync(3, dir);
/// var outcomes = await Task.WhenAll(Enumerable.Range(0, farm.Size).Select(i => farm[i].PullAsync(reference)));
/// </code>
/// </summary>
public sealed partial class ClusterFarm : IAsyncDisposable
{
    /// <summary>Node i listens on 127.0.0.(FirstHost+i): .11, .12, …; .1 stays for registries and proxies.</summary>
    public const int FirstHost = 11;

    /// <summary>A cluster of a few processes on two shared cores: joining takes seconds, under load tens of them.</summary>
    public static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(120);

    private readonly string _dir;
    private readonly NodeProcess?[] _nodes;
    private readonly FarmAddress[] _addresses;
    private readonly IReadOnlyDictionary<string, string>? _environment;
    private readonly List<NodeProcess> _outsiders = [];

    private ClusterFarm(string dir, FarmAddress[] addresses, string secretFile, IReadOnlyDictionary<string, string>? environment)
    {
        _dir = dir;
        _addresses = addresses;
        _nodes = new NodeProcess?[addresses.Length];
        SecretFile = secretFile;
        _environment = environment;
    }

    public int Size => _nodes.Length;

    /// <summary>The farm's shared secret, one file for every node.</summary>
    public string SecretFile { get; }

    /// <summary>The seeds every node is given: the first two nodes' cluster endpoints (one when the farm has one node).</summary>
    public IReadOnlyList<string> Seeds => _addresses.Take(2).Select(a => a.Remote).ToList();

    /// <summary>The running process of node <paramref name="i"/>; throws while it is killed or stopped.</summary>
    public NodeProcess this[int i] => _nodes[i] is { HasExited: false } node
        ? node
        : throw new InvalidOperationException($"farm node {i} ({_addresses[i].Remote}) is not running");

    public FarmAddress Address(int i) => _addresses[i];

    public string StoreOf(int i) => Path.Combine(_dir, $"node{i}", "store");

    /// <summary>
    /// Starts <paramref name="size"/> nodes at once under <paramref name="dir"/> and waits until each has seen all of
    /// them up. <paramref name="environment"/> goes to every node (and to restarts).
    /// </summary>
    public static async Task<ClusterFarm> StartAsync(int size, string dir, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (size is < 1 or > 200) throw new ArgumentOutOfRangeException(nameof(size), size, "a farm has 1 to 200 nodes on 127.0.0.11 and up");
        var secretFile = Path.Combine(dir, "cluster.secret");
        WriteSecret(secretFile);
        var addresses = Enumerable.Range(0, size).Select(i => FarmAddress.OnHost(HostOf(i))).ToArray();
        var farm = new ClusterFarm(dir, addresses, secretFile, environment);
        try
        {
            var started = await Task.WhenAll(Enumerable.Range(0, size).Select(i => farm.SpawnAsync(i)));
            for (var i = 0; i < size; i++) farm._nodes[i] = started[i];
            await farm.WaitUntilAllSeeAllUpAsync(JoinTimeout);
            return farm;
        }
        catch
        {
            await farm.DisposeAsync();
            throw;
        }
    }

    /// <summary>A fresh random secret in <paramref name="path"/>, base64 as the README suggests making one.</summary>
    public static void WriteSecret(string path) =>
        File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n");

    private static IPAddress HostOf(int i) => IPAddress.Parse($"127.0.0.{FirstHost + i}");

    private NodeProcess.Options OptionsOf(FarmAddress address, string secretFile, Uri? peerUrl = null) => new(
        Environment: _environment,
        Remote: address.Remote,
        Http: address.Http,
        SecretFile: secretFile,
        Seeds: Seeds,
        PeerUrl: peerUrl?.ToString().TrimEnd('/'));

    private Task<NodeProcess> SpawnAsync(int i, Uri? peerUrl = null) =>
        NodeProcess.StartAsync(Directory.CreateDirectory(StoreOf(i)).FullName, OptionsOf(_addresses[i], SecretFile, peerUrl));

    /// <summary>SIGKILL node <paramref name="i"/>, a power cut; its store stays for <see cref="RestartAsync"/>.</summary>
    public void Kill9(int i) => _nodes[i]?.Kill9();

    /// <summary>SIGTERM node <paramref name="i"/>: it leaves the cluster gracefully and exits.</summary>
    public async Task StopAsync(int i, TimeSpan? timeout = null)
    {
        if (_nodes[i] is { } node) await node.StopAsync(timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Starts node <paramref name="i"/> again (killing it first if it still runs) on its store, address and ports, and
    /// waits until it has seen the whole farm up, itself included. With <paramref name="peerUrl"/> (<c>--peer-url</c>)
    /// its peers are told to take blobs from there, e.g. a fault proxy in front of its --http; the next restart goes without.
    /// </summary>
    public async Task<NodeProcess> RestartAsync(int i, Uri? peerUrl = null)
    {
        if (_nodes[i] is { } old) await old.DisposeAsync();
        var node = await SpawnAsync(i, peerUrl);
        _nodes[i] = node;
        await WaitUntilSeesAllUpAsync([node], JoinTimeout);
        return node;
    }

    /// <summary>
    /// Restarts every node that is not running (killed, stopped, crashed), so a spec that failed half-way through a
    /// fault leaves a whole farm to the next; returns the nodes it restarted.
    /// </summary>
    public async Task<IReadOnlyList<int>> RestartExitedAsync()
    {
        var exited = Enumerable.Range(0, Size).Where(i => _nodes[i] is null or { HasExited: true }).ToList();
        foreach (var i in exited) await RestartAsync(i);
        return exited;
    }

    /// <summary>
    /// A node on the next free loopback address after the farm's, told the farm's seeds but given
    /// <paramref name="secretFile"/>: with a wrong secret it must not get in. Disposed with the farm.
    /// </summary>
    public async Task<(NodeProcess Node, FarmAddress Address)> StartOutsiderAsync(string secretFile, string label = "outsider")
    {
        var address = FarmAddress.OnHost(HostOf(Size + _outsiders.Count));
        var store = Directory.CreateDirectory(Path.Combine(_dir, $"{label}{_outsiders.Count}", "store")).FullName;
        var node = await NodeProcess.StartAsync(store, OptionsOf(address, secretFile));
        _outsiders.Add(node);
        return (node, address);
    }

    /// <summary>Waits until every running node's log says all <see cref="Size"/> members are up.</summary>
    public Task WaitUntilAllSeeAllUpAsync(TimeSpan timeout) =>
        WaitUntilSeesAllUpAsync(_nodes.OfType<NodeProcess>().Where(n => !n.HasExited).ToList(), timeout);

    private async Task WaitUntilSeesAllUpAsync(IReadOnlyList<NodeProcess> nodes, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var waits = nodes.Select(n => n.WaitForLogAsync(line => UpCount(line) >= Size, $"'cluster member up: … ({Size} up)'", timeout)).ToList();
        try
        {
            await Task.WhenAll(waits);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            throw new TimeoutException(
                $"the farm of {Size} did not come up within {timeout} (after {clock.Elapsed:g}): " +
                $"{string.Join(", ", nodes.Select(n => $"{n.Address}: {Describe(n)}"))}\n{Logs(nodes)}", e);
        }
    }

    /// <summary>The member count of a <c>cluster member up: ADDRESS (N up)</c> line; null for other lines.</summary>
    public static int? UpCount(string line) =>
        MemberUpLine().Match(line) is { Success: true } m ? int.Parse(m.Groups["n"].Value) : null;

    /// <summary>The most members node saw up so far, for messages.</summary>
    private static string Describe(NodeProcess node)
    {
        var best = node.LogLines.Select(UpCount).Max();
        return (node.HasExited ? $"exited {node.ExitCode}, " : "") + (best is { } n ? $"saw {n} up" : "saw no member up");
    }

    /// <summary>Each node's log tail under a header naming it, for failure messages.</summary>
    public string Logs(int lines = 40) => Logs(_nodes.OfType<NodeProcess>().Concat(_outsiders).ToList(), lines);

    private static string Logs(IReadOnlyList<NodeProcess> nodes, int lines = 40)
    {
        var sb = new StringBuilder();
        foreach (var node in nodes) sb.Append($"--- {node} ({node.LogPath}) ---\n").Append(node.LogTail(lines)).Append('\n');
        return sb.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_nodes.OfType<NodeProcess>().Concat(_outsiders).Select(n => n.DisposeAsync().AsTask()));
    }

    [GeneratedRegex(@"cluster member up: \S+ \((?<n>\d+) up\)")]
    private static partial Regex MemberUpLine();
}
