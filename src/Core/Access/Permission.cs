namespace PullCluster.Core.Access;

/// <summary>What a gateway request needs from its caller; see <see cref="AccessRules"/> for which request needs which.</summary>
public enum Permission
{
    /// <summary>Reading the store and adding to it: ping, pull, list, rootfs, export. Root, the node's user, or
    /// members of the access group (pullcluster.access.group) or of the admin group.</summary>
    Use,

    /// <summary>Taking things away or changing the node: rm (later gc, drain, cluster changes). Root, the node's
    /// user, or members of the admin group (pullcluster.access.admin-group).</summary>
    Administer,
}
