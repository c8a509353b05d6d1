using System.Runtime.Versioning;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Access;

/// <summary>
/// TCP is for remote administration: every request must carry the node's admin token. The real CLI, as root,
/// against a node listening on loopback TCP with a token; and nodes that must refuse to start.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class TcpTokenSpecs(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    private NodeProcess Node => fixture.Node;

    private Task<ProcResult> Cli(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        CliProcess.RunAsync(null, fixture.Home, ["--node", Node.TcpAddress, .. args], environment);

    private Task<ProcResult> Cli(params string[] args) => Cli(null, args);

    private async Task<string> WrongTokenFileAsync()
    {
        var path = fixture.Dir.Combine("wrong.token");
        await File.WriteAllTextAsync(path, "not-" + fixture.Token);
        return path;
    }

    [Fact]
    public async Task A_request_without_a_token_is_refused_and_nothing_is_done()
    {
        var image = await fixture.PushAsync("tcp-none");
        await fixture.PullAsRootAsync(image);

        var remove = await Cli("image", "rm", image);

        Assert.Equal(1, remove.ExitCode);
        Assert.Equal(
            "pullcluster: the node requires an admin token for TCP requests: pass --token-file FILE (or set PULLCLUSTER_TOKEN_FILE)\n",
            remove.Stderr);
        Assert.Contains(image, await fixture.ImagesAsync());
        Assert.Contains(Node.LogLines, l => l.Contains($"gateway rm {image} from tcp 127.0.0.1:", StringComparison.Ordinal) && l.Contains("(no token): refused"));
    }

    [Fact]
    public async Task A_wrong_token_is_refused_nothing_is_done_and_no_token_is_logged()
    {
        var image = await fixture.PushAsync("tcp-wrong");
        await fixture.PullAsRootAsync(image);

        var remove = await Cli("image", "rm", image, "--token-file", await WrongTokenFileAsync());

        Assert.Equal(1, remove.ExitCode);
        Assert.Equal("pullcluster: admin token refused\n", remove.Stderr);
        Assert.Contains(image, await fixture.ImagesAsync());
        Assert.Contains(Node.LogLines, l => l.Contains($"gateway rm {image} from tcp 127.0.0.1:", StringComparison.Ordinal) && l.Contains("(token sent): refused: admin token refused"));
        Assert.DoesNotContain(fixture.Token, Node.Log);
    }

    [Fact]
    public async Task The_right_token_may_pull_and_remove()
    {
        var image = await fixture.PushAsync("tcp-right");

        var pull = await Cli("pull", "--quiet", image, "--token-file", fixture.TokenFile);
        var remove = await Cli(new Dictionary<string, string> { ["PULLCLUSTER_TOKEN_FILE"] = fixture.TokenFile }, "image", "rm", image);

        Assert.Equal($"{image}\n", pull.EnsureSuccess().Stdout);
        remove.EnsureSuccess();
        Assert.DoesNotContain(image, await fixture.ImagesAsync());
        Assert.DoesNotContain(fixture.Token, Node.Log);
    }

    [Fact]
    public async Task A_node_asked_for_a_non_loopback_address_without_a_token_refuses_to_start()
    {
        using var dir = TempDir.Create("exposed");
        var port = FreePort.Next();

        var node = await Proc.RunAsync("dotnet",
            [NodeProcess.BinaryPath, "--socket", dir.Combine("node.sock"), "--store", dir.Combine("store"), "--node", $"0.0.0.0:{port}"],
            TimeSpan.FromSeconds(60), workingDirectory: "/",
            environment: new Dictionary<string, string?> { ["PULLCLUSTER_TOKEN_FILE"] = "", ["PULLCLUSTER_NODE"] = "" });

        Assert.Equal(1, node.ExitCode);
        Assert.StartsWith(
            $"pullcluster-node: refusing to listen on 0.0.0.0:{port}, which is not a loopback address, without an admin token: " +
            "anyone who reaches it could command this node; pass --token-file FILE",
            node.Stderr);
        Assert.False(Directory.Exists(dir.Combine("store")), "the refused node created its store");
        Assert.False(File.Exists(dir.Combine("node.sock")), "the refused node created its socket");
    }

    [Fact]
    public async Task A_node_on_every_address_with_a_token_answers_the_right_token()
    {
        using var dir = TempDir.Create("exposed-token");
        await using var node = await NodeProcess.StartAsync(dir.Combine("store"),
            new NodeProcess.Options(Tcp: true, TcpHost: "0.0.0.0", TokenFile: fixture.TokenFile));

        var status = await CliProcess.RunAsync(null, fixture.Home, ["--node", node.TcpAddress, "--token-file", fixture.TokenFile, "node", "status"]);
        var refused = await CliProcess.RunAsync(null, fixture.Home, ["--node", node.TcpAddress, "node", "status"]);

        Assert.Equal($"node at {node.TcpAddress} is running\n", status.EnsureSuccess().Stdout);
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith("pullcluster: the node requires an admin token for TCP requests", refused.Stderr);
    }

    [Fact]
    public async Task A_loopback_tcp_node_without_a_token_refuses_every_tcp_request()
    {
        using var dir = TempDir.Create("tcp-no-token");
        await using var node = await NodeProcess.StartAsync(dir.Combine("store"), new NodeProcess.Options(Tcp: true));

        var status = await CliProcess.RunAsync(null, fixture.Home, ["--node", node.TcpAddress, "--token-file", fixture.TokenFile, "node", "status"]);

        Assert.Equal(1, status.ExitCode);
        Assert.Equal(
            "pullcluster: the node requires an admin token for TCP requests and has none configured: start it with --token-file FILE, or use its unix socket\n",
            status.Stderr);
    }
}
