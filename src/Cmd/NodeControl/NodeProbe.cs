using PullCluster.Cmd.Connection;
using PullCluster.Core.Gateway;

namespace PullCluster.Cmd.NodeControl;

public static class NodeProbe
{
    /// <summary>A short reply timeout, so that a port held by something that is not a node cannot hang the CLI.</summary>
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);

    public static bool Answers(NodeEndpoint node)
    {
        try
        {
            new GatewayClient(node, replyTimeout: PingTimeout).Send(new GatewayRequest(GatewayOps.Ping), "ping", GatewayKinds.Ok);
            return true;
        }
        catch (CliFailure)
        {
            return false;
        }
    }
}
