using System.Runtime.Versioning;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Access;

/// <summary>
/// The node's unix socket with real processes: the CLI run as root and, through setpriv, as nobody in various
/// groups, against a root node whose access group and admin group are the fixture's test groups.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SocketAccessSpecs(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    private NodeProcess Node => fixture.Node;

    private RunAs Outsider => RunAs.Nobody();

    private RunAs Member => RunAs.Nobody(fixture.UsersGid);

    private RunAs Admin => RunAs.Nobody(fixture.UsersGid, fixture.AdminsGid);

    private Task<ProcResult> Cli(RunAs? user, params string[] args) =>
        CliProcess.RunAsync(user, fixture.Home, ["--socket", Node.SocketPath, "--store", fixture.Dir.Combine("cli-store"), .. args]);

    [Fact]
    public void The_socket_is_0660_and_belongs_to_the_access_group()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite,
            File.GetUnixFileMode(Node.SocketPath));
        Assert.Equal($"{fixture.UsersGid}\n", Proc.Run("stat", "-c", "%g", Node.SocketPath).EnsureSuccess().Stdout);
    }

    [Fact]
    public async Task A_user_outside_the_access_group_cannot_connect_and_starts_no_node_of_its_own()
    {
        var image = await fixture.PushAsync("outsider");

        var pull = await Cli(Outsider, "pull", image);

        Assert.Equal(1, pull.ExitCode);
        Assert.Equal($"pullcluster: permission denied connecting to {Node.SocketPath}: add the user to group 'pullcluster'\n", pull.Stderr);
        Assert.DoesNotContain(image, await fixture.ImagesAsync());
        Assert.DoesNotContain(Node.LogLines, l => l.Contains(image, StringComparison.Ordinal));
        Assert.False(Directory.Exists(fixture.Dir.Combine("cli-store")), "a CLI refused by the socket's mode started a node");
    }

    [Fact]
    public async Task A_member_of_the_access_group_pulls_and_lists_but_may_not_remove_images()
    {
        var image = await fixture.PushAsync("member");

        var pull = await Cli(Member, "pull", "--quiet", image);
        var list = await Cli(Member, "image", "ls", "--quiet");
        var remove = await Cli(Member, "image", "rm", image);

        Assert.Equal($"{image}\n", pull.EnsureSuccess().Stdout);
        Assert.Contains(image, list.EnsureSuccess().Stdout.Split('\n'));
        Assert.Equal(1, remove.ExitCode);
        Assert.Equal(
            $"pullcluster: permission denied: removing images needs root or membership of group '{AccessFixture.AdminsGroup}' (caller uid 65534, gid 65534)\n",
            remove.Stderr);
        Assert.Equal("", remove.Stdout);
        Assert.Contains(image, await fixture.ImagesAsync());
    }

    [Fact]
    public async Task The_node_logs_each_request_with_the_callers_credentials()
    {
        var image = await fixture.PushAsync("logged");

        (await Cli(Member, "pull", "--quiet", image)).EnsureSuccess();
        await Cli(Member, "image", "rm", image);

        var pulled = await Node.WaitForLogAsync($"gateway pull {image} from uid=65534 gid=65534 groups={fixture.UsersGid} pid=", TimeSpan.FromSeconds(10));
        var refused = await Node.WaitForLogAsync($"gateway rm {image} from uid=65534 gid=65534 groups={fixture.UsersGid} pid=", TimeSpan.FromSeconds(10));
        Assert.EndsWith(": allowed", pulled);
        Assert.Contains(": refused: permission denied: removing images needs root or membership of group", refused);
    }

    [Fact]
    public async Task A_member_of_the_admin_group_removes_images()
    {
        var image = await fixture.PushAsync("admin");
        await fixture.PullAsRootAsync(image);

        var remove = await Cli(Admin, "image", "rm", image);

        remove.EnsureSuccess();
        Assert.DoesNotContain(image, await fixture.ImagesAsync());
    }

    [Fact]
    public async Task Root_pulls_and_removes_images()
    {
        var image = await fixture.PushAsync("root");

        (await Cli(null, "pull", "--quiet", image)).EnsureSuccess();
        Assert.Contains(image, await fixture.ImagesAsync());
        (await Cli(null, "image", "rm", image)).EnsureSuccess();

        Assert.DoesNotContain(image, await fixture.ImagesAsync());
        Assert.Contains(Node.LogLines, l => l.Contains($"gateway rm {image} from uid=0 gid=0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_second_node_on_the_same_socket_refuses_to_start_and_leaves_the_first_one_answering()
    {
        var store = fixture.Dir.Combine("second-store");

        var second = await NodeCommand("--socket", Node.SocketPath, "--store", store);

        Assert.Equal(1, second.ExitCode);
        Assert.Contains($"pullcluster-node: another node is listening on {Node.SocketPath}; stop it or choose another --socket", second.Stderr);
        Assert.Equal("pong", (await Node.PingAsync()).Final?.Message);
    }

    [Fact]
    public async Task A_stale_socket_is_replaced_and_a_missing_group_leaves_only_root()
    {
        using var dir = TempDir.Create("stale");
        var socket = dir.Combine("node.sock");
        // A socket file with no process behind it, as a node killed with SIGKILL leaves.
        Proc.Run("python3", "-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", socket).EnsureSuccess();
        var config = dir.Combine("absent.conf");
        await File.WriteAllTextAsync(config, "pullcluster.access { group = \"pullcluster-test-absent\", admin-group = \"pullcluster-test-absent\" }\n");

        await using var node = await NodeProcess.StartAsync(dir.Combine("store"), new NodeProcess.Options(Socket: socket, ConfigFile: config));

        Assert.Contains(node.LogLines, l => l.Contains($"removed the stale socket {socket}", StringComparison.Ordinal));
        Assert.Contains(node.LogLines, l => l.Contains($"group 'pullcluster-test-absent' does not exist: only root can connect to {socket}", StringComparison.Ordinal));
        Assert.Equal("0\n", Proc.Run("stat", "-c", "%g", socket).EnsureSuccess().Stdout);
    }

    [Fact]
    public async Task A_file_that_is_not_a_socket_is_never_removed()
    {
        using var dir = TempDir.Create("not-a-socket");
        var path = dir.Combine("node.sock");
        await File.WriteAllTextAsync(path, "keep me");

        var node = await NodeCommand("--socket", path, "--store", dir.Combine("store"));

        Assert.Equal(1, node.ExitCode);
        Assert.Contains($"pullcluster-node: {path} exists and is not a socket; remove it or choose another --socket", node.Stderr);
        Assert.Equal("keep me", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task A_cli_that_finds_no_node_starts_one_on_the_socket_it_chose()
    {
        using var dir = TempDir.Create("autostart");
        string[] where = ["--socket", dir.Combine("node.sock"), "--store", dir.Combine("store")];
        try
        {
            var list = await CliProcess.RunAsync(null, fixture.Home, [.. where, "image", "ls", "--quiet"]);

            list.EnsureSuccess();
            Assert.StartsWith($"pullcluster: started node at {dir.Combine("node.sock")} (store {dir.Combine("store")}", list.Stderr);
            Assert.Equal("srw-rw----", Proc.Run("stat", "-c", "%A", dir.Combine("node.sock")).EnsureSuccess().Stdout.Trim());
        }
        finally
        {
            (await CliProcess.RunAsync(null, fixture.Home, [.. where, "node", "stop"])).EnsureSuccess();
        }
        Assert.False(File.Exists(dir.Combine("node.sock")), "a node stopped with SIGTERM left its socket behind");
    }

    [Fact]
    public async Task A_users_own_node_started_on_demand_lets_that_user_administer_it()
    {
        using var dir = TempDir.Create("own-node");
        var mine = dir.Subdirectory("nobody");
        Proc.Run("chown", $"{RunAs.NobodyId}:{RunAs.NobodyId}", mine).EnsureSuccess();
        RunAs.MakeTraversable(mine);
        var socket = Path.Combine(mine, "node.sock");
        string[] where = ["--socket", socket, "--store", Path.Combine(mine, "store")];
        try
        {
            var remove = await CliProcess.RunAsync(Outsider, fixture.Home, [.. where, "image", "rm", "absent:1"]);

            Assert.Equal(1, remove.ExitCode);
            Assert.Contains($"pullcluster: started node at {socket}", remove.Stderr);
            Assert.Contains("pullcluster: image docker.io/library/absent:1 is not in the store", remove.Stderr);
            Assert.Equal($"{RunAs.NobodyId}\n", Proc.Run("stat", "-c", "%u", socket).EnsureSuccess().Stdout);
            Assert.Contains("gateway rm absent:1 from uid=65534 gid=65534 groups= pid=", await File.ReadAllTextAsync(Path.Combine(mine, "store", "node.log")));
        }
        finally
        {
            (await CliProcess.RunAsync(Outsider, fixture.Home, [.. where, "node", "stop"])).EnsureSuccess();
        }
    }

    /// <summary>Runs the node binary to its exit, for nodes that must refuse to start.</summary>
    private static Task<ProcResult> NodeCommand(params string[] args) =>
        Proc.RunAsync("dotnet", [NodeProcess.BinaryPath, .. args], TimeSpan.FromSeconds(60), workingDirectory: "/",
            environment: new Dictionary<string, string?> { ["PULLCLUSTER_NODE"] = "", ["PULLCLUSTER_TOKEN_FILE"] = "" });
}
