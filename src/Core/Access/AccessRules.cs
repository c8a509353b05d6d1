using PullCluster.Core.Gateway;

namespace PullCluster.Core.Access;

/// <summary>
/// The one table of who may do what on a node: every gateway operation and the permission it needs. A new
/// operation gets its line here; one missing from the table needs <see cref="Permission.Administer"/>, so an
/// operation added without thought is closed rather than open.
/// </summary>
public static class AccessRules
{
    private static readonly Dictionary<string, AccessRule> Table = new(StringComparer.Ordinal)
    {
        [GatewayOps.Ping] = new(Permission.Use, "pinging the node"),
        [GatewayOps.Pull] = new(Permission.Use, "pulling images"),
        [GatewayOps.ListImages] = new(Permission.Use, "listing images"),
        [GatewayOps.Rootfs] = new(Permission.Use, "writing an image's root filesystem"),
        [GatewayOps.Export] = new(Permission.Use, "exporting images"),
        [GatewayOps.RemoveImage] = new(Permission.Administer, "removing images"),
        [GatewayOps.ClusterShow] = new(Permission.Use, "showing the cluster's members"),
        [GatewayOps.BlobWhere] = new(Permission.Use, "finding which members hold a blob"),
        [GatewayOps.ClusterLeave] = new(Permission.Administer, "making a member leave the cluster"),
        [GatewayOps.ClusterDown] = new(Permission.Administer, "downing a cluster member"),
    };

    public static IReadOnlyDictionary<string, AccessRule> All => Table;

    public static AccessRule For(string op) =>
        Table.TryGetValue(op, out var rule) ? rule : new AccessRule(Permission.Administer, $"the request '{op}'");
}
