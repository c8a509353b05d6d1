namespace PullCluster.Cmd.Connection;

/// <summary>Nothing listens at the node's endpoint: the one failure after which starting a node and retrying is safe,
/// because no request has been sent.</summary>
public sealed class NodeUnreachableException(NodeEndpoint node, string why)
    : CliFailure($"no node answers at {node} ({why})");
