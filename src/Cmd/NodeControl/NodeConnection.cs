using PullCluster.Cmd.Connection;
using PullCluster.Cmd.Parsing;
using PullCluster.Core.Gateway;

namespace PullCluster.Cmd.NodeControl;

/// <summary>Sends requests to the node, starting one on the unix socket first when nothing answers there.
/// A node reached over TCP is someone else's to run, and is never started.</summary>
public sealed class NodeConnection(NodeEndpoint node, string? token, string store, CliEnvironment env, TextWriter stderr)
{
    private readonly GatewayClient client = new(node, token);

    public GatewayReply Send(
        GatewayRequest request, string activity, string expectedKind, Action<PullProgressDto>? onProgress = null) =>
        WithNode(() => client.Send(request, activity, expectedKind, onProgress));

    /// <summary>A request answered with content; see <see cref="GatewayClient.Receive"/>.</summary>
    public GatewayReply Receive(GatewayRequest request, string activity, Action<Stream> consume) =>
        WithNode(() => client.Receive(request, activity, consume));

    private GatewayReply WithNode(Func<GatewayReply> request)
    {
        try
        {
            return request();
        }
        catch (NodeUnreachableException) when (node is UnixSocketEndpoint socket)
        {
            new NodeLauncher(socket, store, env, stderr).EnsureRunning();
            return request();
        }
    }
}
