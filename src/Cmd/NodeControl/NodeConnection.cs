using PullCluster.Cmd.Connection;
using PullCluster.Cmd.Parsing;
using PullCluster.Core.Gateway;

namespace PullCluster.Cmd.NodeControl;

/// <summary>Sends requests to the node, starting a local one first when nothing listens on a loopback address.</summary>
public sealed class NodeConnection(NodeAddress node, string store, CliEnvironment env, TextWriter stderr)
{
    private readonly GatewayClient client = new(node);

    public GatewayReply Send(
        GatewayRequest request, string activity, string expectedKind, Action<PullProgressDto>? onProgress = null)
    {
        try
        {
            return client.Send(request, activity, expectedKind, onProgress);
        }
        catch (NodeUnreachableException) when (node.IsLoopback)
        {
            new NodeLauncher(node, store, env, stderr).EnsureRunning();
            return client.Send(request, activity, expectedKind, onProgress);
        }
    }

    /// <summary>A request answered with content; see <see cref="GatewayClient.Receive"/>.</summary>
    public GatewayReply Receive(GatewayRequest request, string activity, Action<Stream> consume)
    {
        try
        {
            return client.Receive(request, activity, consume);
        }
        catch (NodeUnreachableException) when (node.IsLoopback)
        {
            new NodeLauncher(node, store, env, stderr).EnsureRunning();
            return client.Receive(request, activity, consume);
        }
    }
}
