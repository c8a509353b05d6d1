namespace PullCluster.Cmd.Connection;

/// <summary>Where the CLI reaches a node: its unix socket (the default) or TCP for remote administration.</summary>
public abstract record NodeEndpoint;

/// <summary>The node's unix socket; the node tells who the caller is from the kernel, so no token is sent.</summary>
public sealed record UnixSocketEndpoint(string Path) : NodeEndpoint
{
    public override string ToString() => Path;
}
