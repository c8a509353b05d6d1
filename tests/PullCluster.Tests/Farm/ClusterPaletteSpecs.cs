using System.Runtime.Versioning;
using System.Text.Json;
using PullCluster.Cmd.Connection;
using PullCluster.Tests.EndToEnd;
using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.Farm;

/// <summary>
/// Two node processes on their own loopback addresses, a farm of two as on two hosts, started with the farm's
/// variables (PULLCLUSTER_REMOTE, _HTTP, _SECRET_FILE, _SEEDS) as an operator's unit file would set them; ready once
/// each has seen both members up.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class TwoNodeFarm : IAsyncDisposable
{
    private readonly TempDir _dir;

    private TwoNodeFarm(TempDir dir, NodeProcess first, NodeProcess second, string firstRemote, string secondRemote)
    {
        _dir = dir;
        (First, Second, FirstRemote, SecondRemote) = (first, second, firstRemote, secondRemote);
    }

    public NodeProcess First { get; }
    public NodeProcess Second { get; }

    /// <summary>HOST:PORT of each node's cluster endpoint (--remote).</summary>
    public string FirstRemote { get; }
    public string SecondRemote { get; }

    public string Home => _dir.Subdirectory("home");

    /// <summary>The Akka address a member of the farm has for its --remote.</summary>
    public static string AkkaAddress(string remote) => $"akka.ssl.tcp://pullcluster@{remote}";

    public static async Task<TwoNodeFarm> StartAsync(string firstHost, string secondHost)
    {
        var dir = TempDir.Create("cluster-palette");
        var secret = dir.Combine("farm.secret");
        await File.WriteAllTextAsync(secret, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
        var (firstRemote, secondRemote) = ($"{firstHost}:{FreePort.Next()}", $"{secondHost}:{FreePort.Next()}");
        var seeds = $"{firstRemote},{secondRemote}";
        Dictionary<string, string> Farm(string remote, string host) => new()
        {
            ["PULLCLUSTER_REMOTE"] = remote,
            ["PULLCLUSTER_HTTP"] = $"{host}:{FreePort.Next()}",
            ["PULLCLUSTER_SECRET_FILE"] = secret,
            ["PULLCLUSTER_SEEDS"] = seeds,
        };
        var starts = new[]
        {
            NodeProcess.StartAsync(dir.Subdirectory("store1"), new NodeProcess.Options(Environment: Farm(firstRemote, firstHost))),
            NodeProcess.StartAsync(dir.Subdirectory("store2"), new NodeProcess.Options(Environment: Farm(secondRemote, secondHost))),
        };
        try
        {
            var nodes = await Task.WhenAll(starts);
            await Task.WhenAll(nodes.Select(n => n.WaitForLogAsync("(2 up)", TimeSpan.FromSeconds(60))));
            return new TwoNodeFarm(dir, nodes[0], nodes[1], firstRemote, secondRemote);
        }
        catch
        {
            foreach (var start in starts.Where(s => s.IsCompletedSuccessfully)) await start.Result.DisposeAsync();
            dir.Dispose();
            throw;
        }
    }

    /// <summary>The CLI binary against <paramref name="node"/>'s socket, in a clean environment.</summary>
    public Task<ProcResult> CliAsync(NodeProcess node, params string[] args) =>
        CliProcess.RunAsync(null, Home, [.. args, "--socket", node.SocketPath]);

    public async ValueTask DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
        _dir.Dispose();
    }
}

/// <summary>
/// The cluster and blob palettes against a real farm of two node processes: the CLI binary asks one node, which speaks
/// for the cluster as it sees it; human output is read as a table, --json parsed.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ClusterPaletteSpecs(ClusterPaletteSpecs.Fixture fixture, ITestOutputHelper output) : IClassFixture<ClusterPaletteSpecs.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        public TwoNodeFarm Farm { get; private set; } = null!;
        public RegistryProcess Registry { get; private set; } = null!;

        /// <summary>The nodes' access group (pullcluster), made before they start, as a host's package makes it.</summary>
        public uint AccessGroup { get; private set; }

        public async Task InitializeAsync()
        {
            AccessGroup = await RunAs.EnsureGroupAsync(GatewayClient.AccessGroup);
            Registry = await RegistryProcess.StartAsync();
            Farm = await TwoNodeFarm.StartAsync("127.0.0.41", "127.0.0.42");
            RunAs.MakeTraversable(Path.GetDirectoryName(Farm.First.SocketPath)!);
        }

        public async Task DisposeAsync()
        {
            if (Farm is not null) await Farm.DisposeAsync();
            if (Registry is not null) await Registry.DisposeAsync();
        }
    }

    private TwoNodeFarm Farm => fixture.Farm;

    private async Task<ProcResult> CliAsync(NodeProcess node, params string[] args)
    {
        var result = await Farm.CliAsync(node, args);
        output.WriteLine($"$ {result.CommandLine}\nexit {result.ExitCode}\n{result.Stdout}{result.Stderr}");
        return result;
    }

    [Fact]
    public async Task Cluster_show_lists_both_members_up_with_their_peer_urls_and_names_the_node_answering()
    {
        var result = await CliAsync(Farm.Second, "cluster", "show");

        Assert.Equal((0, ""), (result.ExitCode, result.Stderr));
        var lines = result.Stdout.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^ADDRESS +STATUS +REACHABLE +LEADER +ROLES +PEER URL$", lines[0]);
        var rows = lines[1..^1].Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal([TwoNodeFarm.AkkaAddress(Farm.FirstRemote), TwoNodeFarm.AkkaAddress(Farm.SecondRemote)], rows.Select(r => r[0]));
        Assert.All(rows, r => Assert.Equal(("Up", "yes"), (r[1], r[2])));
        Assert.Single(rows, r => r[3] == "yes");
        Assert.Equal(["http://127.0.0.41:", "http://127.0.0.42:"], rows.Select(r => r[5][..18]));
        // The columns line up: every row's status starts where the header's does.
        Assert.All(lines[1..^1], l => Assert.Equal(lines[0].IndexOf("STATUS", StringComparison.Ordinal), l.IndexOf("Up", StringComparison.Ordinal)));
        Assert.Equal($"answered by {TwoNodeFarm.AkkaAddress(Farm.SecondRemote)}", lines[^1]);
    }

    [Fact]
    public async Task Cluster_show_json_is_one_document_with_every_member()
    {
        var result = await CliAsync(Farm.First, "cluster", "show", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        Assert.Equal(TwoNodeFarm.AkkaAddress(Farm.FirstRemote), root.GetProperty("self").GetString());
        var members = root.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(2, members.Count);
        Assert.All(members, m => Assert.Equal(("Up", true), (m.GetProperty("status").GetString(), m.GetProperty("reachable").GetBoolean())));
        Assert.Equal(root.GetProperty("leader").GetString(), Assert.Single(members, m => m.GetProperty("leader").GetBoolean()).GetProperty("address").GetString());
        Assert.All(members, m => Assert.StartsWith(
            m.GetProperty("address").GetString()!.Contains("127.0.0.41") ? "http://127.0.0.41:" : "http://127.0.0.42:",
            m.GetProperty("peerUrl").GetString()));
    }

    [Fact]
    public async Task Blob_where_after_a_pull_on_one_node_names_that_node_as_holding_the_layer()
    {
        var image = TestImage.Oci().Layer(l => l.File("where/am-i", $"only on the second node {Guid.NewGuid()}")).Build();
        var reference = (await image.PushAsync(fixture.Registry, RepoName.Unique("where"), "1")).TagReference;
        var pulled = await CliAsync(Farm.Second, "pull", "--quiet", reference);
        Assert.Equal(0, pulled.ExitCode);
        var layer = image.Layers[0].Digest.ToString();

        var human = await CliAsync(Farm.First, "blob", "where", layer);
        var json = await CliAsync(Farm.First, "blob", "where", layer, "--json");

        Assert.Equal(0, human.ExitCode);
        var lines = human.Stdout.TrimEnd('\n').Split('\n');
        Assert.Matches("^MEMBER +PEER URL +STATE$", lines[0]);
        Assert.Matches($@"^{Regex(TwoNodeFarm.AkkaAddress(Farm.SecondRemote))} +http://127\.0\.0\.42:\d+ +complete$", Assert.Single(lines[1..]));
        using var document = JsonDocument.Parse(json.Stdout);
        Assert.Equal(layer, document.RootElement.GetProperty("digest").GetString());
        var holder = Assert.Single(document.RootElement.GetProperty("holders").EnumerateArray().ToList());
        Assert.Equal(TwoNodeFarm.AkkaAddress(Farm.SecondRemote), holder.GetProperty("address").GetString());
        Assert.Equal("complete", holder.GetProperty("state").GetString());
        Assert.Empty(document.RootElement.GetProperty("unanswered").EnumerateArray());
    }

    [Fact]
    public async Task Blob_where_during_the_download_names_the_node_receiving_it_then_holding_it()
    {
        await using var proxy = FaultProxy.Start(fixture.Registry);
        var repository = RepoName.Unique("receiving");
        var image = TestImage.Oci()
            .Layer(TestLayer.Build(l => l.Dir("slow").File("slow/data", Payload.Random(400_000, Environment.TickCount))))
            .Build();
        await image.PushAsync(fixture.Registry, repository, "1");
        var layer = image.Layers[0].Digest.ToString();
        // The registry's answer stops for a while after its first bytes: the node is receiving the layer meanwhile.
        proxy.Inject(Fault.StallAfter(100_000, TimeSpan.FromSeconds(6)), pathContains: layer, method: "GET");
        var pull = Farm.Second.PullAsync(proxy.Reference(repository, "1"));

        var receiving = await WaitForHolderAsync(layer, "receiving", TimeSpan.FromSeconds(6));
        _ = (await pull).Result;
        var complete = await WaitForHolderAsync(layer, "complete", TimeSpan.FromSeconds(10));

        Assert.Equal(TwoNodeFarm.AkkaAddress(Farm.SecondRemote), receiving);
        Assert.Equal(TwoNodeFarm.AkkaAddress(Farm.SecondRemote), complete);
    }

    /// <summary>Asks the first node until a member is <paramref name="state"/> for the blob; that member's address.</summary>
    private async Task<string> WaitForHolderAsync(string digest, string state, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var result = await Farm.CliAsync(Farm.First, "blob", "where", digest, "--json");
            Assert.Equal((0, ""), (result.ExitCode, result.Stderr));
            using var json = JsonDocument.Parse(result.Stdout);
            var holder = json.RootElement.GetProperty("holders").EnumerateArray().FirstOrDefault(h => h.GetProperty("state").GetString() == state);
            if (holder.ValueKind == JsonValueKind.Object) return holder.GetProperty("address").GetString()!;
            if (clock.Elapsed > timeout) throw new TimeoutException($"no member was {state} for {digest} within {timeout}; last answer: {result.Stdout}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Blob_where_of_a_blob_nobody_has_says_so()
    {
        var digest = "sha256:" + new string('0', 64);

        var result = await CliAsync(Farm.First, "blob", "where", digest);

        Assert.Equal((0, $"no member holds {digest}\n"), (result.ExitCode, result.Stdout));
    }

    [Fact]
    public async Task A_bad_digest_or_an_unknown_member_is_refused_in_one_line_naming_it()
    {
        var digest = await CliAsync(Farm.First, "blob", "where", "sha256:nothex");
        var down = await CliAsync(Farm.First, "cluster", "down", "127.0.0.49:1");
        var leave = await CliAsync(Farm.First, "cluster", "leave", "akka.ssl.tcp://pullcluster@127.0.0.49:1");

        Assert.Equal((1, "pullcluster: 'sha256:nothex' is not a blob digest (ALGORITHM:HEX, e.g. sha256:<64 hex digits>)\n"), (digest.ExitCode, digest.Stderr));
        Assert.Equal(1, down.ExitCode);
        Assert.StartsWith("pullcluster: no member of the cluster at '127.0.0.49:1'; its members: ", down.Stderr);
        Assert.Contains(TwoNodeFarm.AkkaAddress(Farm.SecondRemote), down.Stderr);
        Assert.Single(down.Stderr.TrimEnd('\n').Split('\n'));
        Assert.Equal(1, leave.ExitCode);
        Assert.StartsWith("pullcluster: no member of the cluster at 'akka.ssl.tcp://pullcluster@127.0.0.49:1'", leave.Stderr);
    }

    [Fact]
    public async Task A_user_of_the_node_may_look_at_the_cluster_but_only_an_administrator_may_steer_it()
    {
        var home = Path.Combine(Farm.Home, $"nobody-{Guid.NewGuid():N}");
        Directory.CreateDirectory(home);
        Proc.Run("chown", $"{RunAs.NobodyId}:{RunAs.NobodyId}", home).EnsureSuccess();
        var user = RunAs.Nobody(fixture.AccessGroup);

        var show = await CliProcess.RunAsync(user, home, ["cluster", "show", "--socket", Farm.First.SocketPath]);
        var leave = await CliProcess.RunAsync(user, home, ["cluster", "leave", Farm.SecondRemote, "--socket", Farm.First.SocketPath]);
        var down = await CliProcess.RunAsync(user, home, ["cluster", "down", Farm.SecondRemote, "--socket", Farm.First.SocketPath]);
        output.WriteLine($"{show.Stdout}{show.Stderr}{leave.Stderr}{down.Stderr}");

        Assert.Equal(0, show.ExitCode);
        Assert.Equal(1, leave.ExitCode);
        Assert.StartsWith("pullcluster: permission denied: making a member leave the cluster needs root", leave.Stderr);
        Assert.Equal(1, down.ExitCode);
        Assert.StartsWith("pullcluster: permission denied: downing a cluster member needs root", down.Stderr);
        var members = await CliAsync(Farm.First, "cluster", "show", "--json");
        using var json = JsonDocument.Parse(members.Stdout);
        Assert.All(json.RootElement.GetProperty("members").EnumerateArray(), m => Assert.Equal("Up", m.GetProperty("status").GetString()));
    }

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);
}

/// <summary><c>cluster leave</c> and <c>cluster down</c>, each on a farm of its own, since the farm shrinks.</summary>
[SupportedOSPlatform("linux")]
public sealed class ClusterPaletteLeaveSpecs(ITestOutputHelper output)
{
    [Fact]
    public async Task Cluster_leave_of_the_second_node_makes_it_leave_and_cluster_show_no_longer_lists_it()
    {
        await using var farm = await TwoNodeFarm.StartAsync("127.0.0.43", "127.0.0.44");
        var second = TwoNodeFarm.AkkaAddress(farm.SecondRemote);

        var leave = await farm.CliAsync(farm.First, "cluster", "leave", farm.SecondRemote);
        output.WriteLine($"{leave.Stdout}{leave.Stderr}");

        Assert.Equal((0, $"{second} is leaving the cluster (it was Up)\n"), (leave.ExitCode, leave.Stdout));
        await farm.First.WaitForLogAsync($"cluster member removed: {second}", TimeSpan.FromSeconds(30));
        var show = await farm.CliAsync(farm.First, "cluster", "show", "--json");
        using var json = JsonDocument.Parse(show.Stdout);
        Assert.Equal(
            [TwoNodeFarm.AkkaAddress(farm.FirstRemote)],
            json.RootElement.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("address").GetString()));
        // A node that left the cluster stops, as after SIGTERM.
        Assert.Equal(0, await farm.Second.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Cluster_down_of_a_killed_node_removes_it()
    {
        await using var farm = await TwoNodeFarm.StartAsync("127.0.0.45", "127.0.0.46");
        var second = TwoNodeFarm.AkkaAddress(farm.SecondRemote);
        farm.Second.Kill9();

        var down = await farm.CliAsync(farm.First, "cluster", "down", second);
        output.WriteLine($"{down.Stdout}{down.Stderr}");

        Assert.Equal(0, down.ExitCode);
        Assert.StartsWith($"{second} is marked down (it was ", down.Stdout);
        await farm.First.WaitForLogAsync($"cluster member removed: {second}", TimeSpan.FromSeconds(30));
        var show = await farm.CliAsync(farm.First, "cluster", "show");
        Assert.DoesNotContain(farm.SecondRemote, show.Stdout);
        Assert.Contains(farm.FirstRemote, show.Stdout);
    }
}
