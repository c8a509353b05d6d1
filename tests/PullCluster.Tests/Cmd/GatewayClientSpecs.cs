using System.Net.Sockets;
using PullCluster.Cmd;
using PullCluster.Cmd.Connection;
using PullCluster.Core.Gateway;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Cmd;

public class GatewayClientSpecs
{
    private const string ProgressLine =
        """{"kind":"progress","progress":{"image":"alpine","layers":[{"digest":"sha256:ab12cd34ef56aa","size":10,"done":5,"state":"Downloading"}]}}""";

    private static GatewayClient ClientOf(FaultyNode node, TimeSpan? timeout = null, string? token = null) =>
        new(node.Endpoint, token, timeout);

    [Fact]
    public async Task Sends_one_request_line_in_the_gateway_spelling()
    {
        using var node = new FaultyNode(["""{"kind":"ok"}"""]);

        ClientOf(node).Send(new GatewayRequest(GatewayOps.Pull, "alpine", "linux/amd64"), "pull", GatewayKinds.Ok);

        Assert.Equal("""{"op":"pull","image":"alpine","platform":"linux/amd64"}""", await node.RequestLine);
    }

    [Fact]
    public async Task Sends_the_admin_token_over_TCP()
    {
        using var node = new FaultyNode(["""{"kind":"ok"}"""], tcp: true);

        ClientOf(node, token: "s3cret").Send(new GatewayRequest(GatewayOps.Ping), "ping", GatewayKinds.Ok);

        Assert.Equal("""{"op":"ping","token":"s3cret"}""", await node.RequestLine);
    }

    [Fact]
    public async Task Never_sends_the_token_to_a_unix_socket()
    {
        using var node = new FaultyNode(["""{"kind":"ok"}"""]);

        ClientOf(node, token: "s3cret").Send(new GatewayRequest(GatewayOps.Ping), "ping", GatewayKinds.Ok);

        Assert.Equal("""{"op":"ping"}""", await node.RequestLine);
    }

    [Fact]
    public void A_connection_dropped_mid_pull_is_reported_after_the_progress_it_carried()
    {
        using var node = new FaultyNode([ProgressLine]);
        var progress = new List<PullProgressDto>();

        var failure = Assert.Throws<CliFailure>(() => ClientOf(node).Send(
            new GatewayRequest(GatewayOps.Pull, "alpine"), "pull", GatewayKinds.Result, progress.Add));

        Assert.Equal($"node {node.Endpoint} closed the connection before the pull finished", failure.Message);
        var layer = Assert.Single(Assert.Single(progress).Layers);
        Assert.Equal(LayerStates.Downloading, layer.State);
    }

    [Fact]
    public void An_error_reply_becomes_a_failure_with_the_nodes_message()
    {
        using var node = new FaultyNode(
            [ProgressLine, """{"kind":"error","message":"pull of alpine failed: registry 127.0.0.1:5000 answered 404"}"""]);

        var failure = Assert.Throws<CliFailure>(() => ClientOf(node).Send(
            new GatewayRequest(GatewayOps.Pull, "alpine"), "pull", GatewayKinds.Result));

        Assert.Equal("pull of alpine failed: registry 127.0.0.1:5000 answered 404", failure.Message);
    }

    [Fact]
    public void An_unexpected_final_kind_is_a_failure()
    {
        using var node = new FaultyNode(["""{"kind":"ok"}"""]);

        var failure = Assert.Throws<CliFailure>(() => ClientOf(node).Send(
            new GatewayRequest(GatewayOps.ListImages), "image list", GatewayKinds.Images));

        Assert.Contains("answered the image list with 'ok' where 'images' was expected", failure.Message);
    }

    [Fact]
    public void An_unreadable_reply_names_the_node()
    {
        using var node = new FaultyNode(["this is not json"]);

        var failure = Assert.Throws<CliFailure>(() => ClientOf(node).Send(
            new GatewayRequest(GatewayOps.Ping), "ping", GatewayKinds.Ok));

        Assert.StartsWith($"node {node.Endpoint} sent an unreadable reply to the ping", failure.Message);
    }

    [Fact]
    public void A_silent_node_times_out_when_a_reply_timeout_is_set()
    {
        using var node = new FaultyNode([], hang: true, tcp: true);

        var failure = Assert.Throws<CliFailure>(() => ClientOf(node, TimeSpan.FromMilliseconds(200)).Send(
            new GatewayRequest(GatewayOps.Ping), "ping", GatewayKinds.Ok));

        Assert.Equal($"node {node.Endpoint} did not answer the ping within 0.2 s", failure.Message);
    }

    [Fact]
    public void A_refused_tcp_connection_is_told_apart()
    {
        var port = FaultyNode.ClosedPort();

        var failure = Assert.Throws<NodeUnreachableException>(() => new GatewayClient(new NodeAddress("127.0.0.1", port))
            .Send(new GatewayRequest(GatewayOps.Ping), "ping", GatewayKinds.Ok));

        Assert.Equal($"no node answers at 127.0.0.1:{port} (connection refused)", failure.Message);
    }

    [Fact]
    public void A_missing_socket_is_told_apart_so_that_a_node_can_be_started()
    {
        using var dir = TempDir.Create("no-socket");
        var path = dir.Combine("node.sock");

        var failure = Assert.Throws<NodeUnreachableException>(() => new GatewayClient(new UnixSocketEndpoint(path))
            .Send(new GatewayRequest(GatewayOps.Ping), "ping", GatewayKinds.Ok));

        Assert.Equal($"no node answers at {path} (no socket there)", failure.Message);
    }

    [Fact]
    public void A_stale_socket_is_told_apart_so_that_a_node_can_be_started()
    {
        using var dir = TempDir.Create("stale-socket");
        var path = dir.Combine("node.sock");
        // Bound but not listening, as a crashed node's socket file: connecting is refused. (Disposing it would
        // remove the file.)
        using var bound = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        bound.Bind(new UnixDomainSocketEndPoint(path));

        var failure = Assert.Throws<NodeUnreachableException>(() => new GatewayClient(new UnixSocketEndpoint(path))
            .Send(new GatewayRequest(GatewayOps.Ping), "ping", GatewayKinds.Ok));

        Assert.Equal($"no node answers at {path} (connection refused)", failure.Message);
    }

    private static string ReceiveText(FaultyNode node)
    {
        var content = new MemoryStream();
        ClientOf(node).Receive(new GatewayRequest(GatewayOps.Rootfs, "alpine"), "rootfs of alpine", data => data.CopyTo(content));
        return System.Text.Encoding.UTF8.GetString(content.ToArray());
    }

    [Fact]
    public void Data_lines_reach_the_consumer_as_one_stream_ending_at_ok()
    {
        // FaultyNode ends every line with a line break, which a data frame counts as content.
        using var node = new FaultyNode(["""{"kind":"data","length":4}""", "abc", """{"kind":"data","length":3}""", "de", """{"kind":"ok"}"""]);

        Assert.Equal("abc\nde\n", ReceiveText(node));
    }

    [Fact]
    public void A_stream_cut_inside_a_data_frame_is_a_failure_not_a_short_tar()
    {
        using var node = new FaultyNode(["""{"kind":"data","length":100}""", "abc"]);

        var failure = Assert.Throws<CliFailure>(() => ReceiveText(node));

        Assert.Equal($"node {node.Endpoint} closed the connection in the middle of the rootfs of alpine's data", failure.Message);
    }

    [Fact]
    public void A_stream_that_ends_after_whole_frames_without_ok_is_a_failure()
    {
        using var node = new FaultyNode(["""{"kind":"data","length":4}""", "abc"]);

        var failure = Assert.Throws<CliFailure>(() => ReceiveText(node));

        Assert.Equal($"node {node.Endpoint} closed the connection before the rootfs of alpine finished", failure.Message);
    }

    [Fact]
    public void An_error_after_data_is_the_nodes_message()
    {
        using var node = new FaultyNode(["""{"kind":"data","length":4}""", "abc", """{"kind":"error","message":"sending the root filesystem of alpine failed: I/O error"}"""]);

        var failure = Assert.Throws<CliFailure>(() => ReceiveText(node));

        Assert.Equal("sending the root filesystem of alpine failed: I/O error", failure.Message);
    }
}
