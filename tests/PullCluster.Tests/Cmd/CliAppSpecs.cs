using PullCluster.Cmd;
using PullCluster.Cmd.Parsing;
using Xunit;

namespace PullCluster.Tests.Cmd;

/// <summary>Whole command lines, with stdout and stderr captured.</summary>
public sealed class CliAppSpecs : IDisposable
{
    private readonly string store = Path.Combine(Path.GetTempPath(), $"pullcluster-cli-{Guid.NewGuid():N}");
    private readonly StringWriter stdout = new();
    private readonly StringWriter stderr = new();

    private int Run(string line, params (string, string)[] variables) =>
        CliApp.Run(line.Split(' '), TestEnvironment.With([("PULLCLUSTER_STORE", store), .. variables]),
            stdout, stderr, OutputTarget.Redirected);

    private string[] ErrorLines => stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Help_goes_to_stdout_and_succeeds()
    {
        Assert.Equal(0, Run("image ls --help"));
        Assert.StartsWith("Usage: pullcluster image ls", stdout.ToString());
        Assert.Empty(stderr.ToString());
    }

    [Fact]
    public void A_wrong_command_line_is_one_error_line_and_exit_code_2()
    {
        Assert.Equal(CliApp.BadUsage, Run("pull"));
        Assert.Equal(["pullcluster: 'pull' needs IMAGE: missing IMAGE"], ErrorLines);
    }

    [Fact]
    public void A_dropped_pull_prints_its_progress_then_one_error_line()
    {
        using var node = new FaultyNode(
            ["""{"kind":"progress","progress":{"image":"alpine","layers":[{"digest":"sha256:ab12cd34ef56aa","size":10,"done":0,"state":"Waiting"}]}}"""]);

        Assert.Equal(CliApp.Failed, Run($"pull alpine {node.Option}"));

        Assert.Equal("ab12cd34ef56: Waiting\n", stdout.ToString());
        Assert.Equal([$"pullcluster: node {node.Endpoint} closed the connection before the pull finished"], ErrorLines);
    }

    [Fact]
    public void A_pull_result_with_json_is_one_json_object()
    {
        using var node = new FaultyNode(
            ["""{"kind":"result","result":{"image":"alpine:3.20","manifestDigest":"sha256:aa","configDigest":"sha256:bb","platform":"linux/amd64","chainIds":["sha256:cc"],"bytesFetched":10,"bytesShared":0,"bytesReused":0,"seconds":0.5}}"""]);

        Assert.Equal(0, Run($"pull alpine:3.20 --json {node.Option}"));

        Assert.Equal(
            """{"image":"alpine:3.20","manifestDigest":"sha256:aa","configDigest":"sha256:bb","platform":"linux/amd64","chainIds":["sha256:cc"],"bytesFetched":10,"bytesShared":0,"bytesReused":0,"bytesFromRegistry":0,"bytesFromPeers":0,"bytesFromStore":0,"seconds":0.5}""" + "\n",
            stdout.ToString());
    }

    [Fact]
    public void A_node_that_dies_on_start_is_reported_with_its_log()
    {
        var socket = Path.Combine(store, "node.sock");

        Assert.Equal(CliApp.Failed, Run($"image ls --socket {socket}", ("PULLCLUSTER_NODE_BIN", "/bin/false")));

        Assert.Equal(
            [$"pullcluster: node /bin/false exited with code 1 before answering at {socket}; see {store}/node.log"],
            ErrorLines);
        Assert.True(File.Exists(Path.Combine(store, "node.lock")));
    }

    [Fact]
    public void A_missing_node_binary_is_named()
    {
        var socket = Path.Combine(store, "node.sock");

        Assert.Equal(CliApp.Failed, Run($"image ls --socket {socket}", ("PULLCLUSTER_NODE_BIN", "/nonexistent/pullcluster-node")));

        Assert.Equal(
            [$"pullcluster: no node answers at {socket}; cannot start a node: PULLCLUSTER_NODE_BIN=/nonexistent/pullcluster-node is not a file"],
            ErrorLines);
    }

    [Fact]
    public void No_node_is_started_for_a_tcp_address()
    {
        var port = FaultyNode.ClosedPort();

        Assert.Equal(CliApp.Failed, Run($"image ls --node 127.0.0.1:{port}", ("PULLCLUSTER_NODE_BIN", "/bin/false")));

        Assert.Equal([$"pullcluster: no node answers at 127.0.0.1:{port} (connection refused)"], ErrorLines);
        Assert.False(Directory.Exists(store));
    }

    [Fact]
    public void An_unreadable_token_file_is_named_before_anything_is_sent()
    {
        using var node = new FaultyNode(["""{"kind":"ok"}"""], tcp: true);

        Assert.Equal(CliApp.Failed, Run($"image rm x {node.Option} --token-file /nonexistent/token"));

        Assert.Single(ErrorLines);
        Assert.StartsWith("pullcluster: cannot read the admin token file /nonexistent/token: ", ErrorLines[0]);
    }

    public void Dispose()
    {
        if (Directory.Exists(store)) Directory.Delete(store, recursive: true);
    }
}
