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
        GatewayRequest request, string activity, string expectedKind, Action<PullProgressDto>? onProgress = null)
    {
        try
        {
            return client.Send(request, activity, expectedKind, onProgress);
        }
        catch (NodeUnreachableException) when (node is UnixSocketEndpoint socket)
        {
            new NodeLauncher(socket, store, env, stderr).EnsureRunning();
            return client.Send(request, activity, expectedKind, onProgress);
        }
    }
}
