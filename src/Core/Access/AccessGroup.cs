namespace PullCluster.Core.Access;

/// <summary>A group named in the node's configuration, and its gid on this host; null when no such group exists,
/// which grants nothing.</summary>
public sealed record AccessGroup(string Name, uint? Gid);
