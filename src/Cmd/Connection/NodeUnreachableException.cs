namespace PullCluster.Cmd.Connection;

/// <summary>Nothing listens at the node address: the one failure after which starting a node and retrying is safe,
/// because no request has been sent.</summary>
public sealed class NodeUnreachableException(NodeAddress node)
    : CliFailure($"no node answers at {node} (connection refused)");
