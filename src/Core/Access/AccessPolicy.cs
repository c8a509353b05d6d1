namespace PullCluster.Core.Access;

/// <summary>
/// Who holds each <see cref="Permission"/> on this node. On the unix socket: root and the node's own user hold
/// both; members of <see cref="Users"/> may use the node, members of <see cref="Admins"/> may also administer it.
/// On TCP: only a request carrying the node's admin token, which holds both.
/// </summary>
/// <param name="NodeUid">The uid the node runs as.</param>
public sealed record AccessPolicy(uint NodeUid, AccessGroup Users, AccessGroup Admins, AdminToken? Token)
{
    public AccessDecision Check(PeerCredentials caller, string op)
    {
        var rule = AccessRules.For(op);
        if (caller.Uid == 0 || caller.Uid == NodeUid) return AccessDecision.Allowed;
        var holders = rule.Needs == Permission.Use ? new[] { Users, Admins } : [Admins];
        if (holders.Any(g => g.Gid is { } gid && caller.IsInGroup(gid))) return AccessDecision.Allowed;
        return AccessDecision.Refused(
            $"permission denied: {rule.Activity} needs {Holders(GroupOf(rule.Needs))} (caller uid {caller.Uid}, gid {caller.Gid})");
    }

    /// <summary>A TCP request: the right token may do anything, anything else nothing.</summary>
    public AccessDecision CheckToken(string? presented)
    {
        if (Token is null)
            return AccessDecision.Refused(
                "the node requires an admin token for TCP requests and has none configured: start it with --token-file FILE, or use its unix socket");
        if (presented is null)
            return AccessDecision.Refused(
                "the node requires an admin token for TCP requests: pass --token-file FILE (or set PULLCLUSTER_TOKEN_FILE)");
        return Token.Matches(presented) ? AccessDecision.Allowed : AccessDecision.Refused("admin token refused");
    }

    public AccessGroup GroupOf(Permission permission) => permission == Permission.Use ? Users : Admins;

    private string Holders(AccessGroup group)
    {
        var users = NodeUid == 0 ? "root" : $"root, uid {NodeUid} (the node's user)";
        return group.Gid is null
            ? $"{users} (group '{group.Name}' does not exist on the node's host)"
            : $"{users} or membership of group '{group.Name}'";
    }
}
