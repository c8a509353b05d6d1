using System.Reflection;
using PullCluster.Core.Access;
using PullCluster.Core.Gateway;
using Xunit;

namespace PullCluster.Tests.Access;

/// <summary>The access rules as a table and a policy, without a node: who may do what, and what a refusal says.</summary>
public sealed class AccessRulesSpecs
{
    private static readonly AccessGroup Users = new("pullcluster", 990);
    private static readonly AccessGroup Admins = new("pullcluster-admin", 991);

    private static AccessPolicy Policy(uint nodeUid = 0, AccessGroup? users = null, AccessGroup? admins = null, string? token = null) =>
        new(nodeUid, users ?? Users, admins ?? Admins, token is null ? null : AdminToken.FromText(token, "test"));

    private static PeerCredentials Caller(uint uid, uint gid, params uint[] groups) => new(4242, uid, gid, groups);

    [Fact]
    public void Every_gateway_operation_has_a_rule()
    {
        var ops = typeof(GatewayOps).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!);

        Assert.Equal(ops.Order(), AccessRules.All.Keys.Order());
    }

    [Theory]
    [InlineData(GatewayOps.Ping, Permission.Use)]
    [InlineData(GatewayOps.Pull, Permission.Use)]
    [InlineData(GatewayOps.ListImages, Permission.Use)]
    [InlineData(GatewayOps.Rootfs, Permission.Use)]
    [InlineData(GatewayOps.Export, Permission.Use)]
    [InlineData(GatewayOps.RemoveImage, Permission.Administer)]
    [InlineData("gc", Permission.Administer)]
    public void Operations_need_their_permission_and_unknown_ones_need_administration(string op, Permission needed)
    {
        Assert.Equal(needed, AccessRules.For(op).Needs);
    }

    [Fact]
    public void Root_and_the_nodes_own_user_may_do_everything()
    {
        var policy = Policy(nodeUid: 1000);

        Assert.True(policy.Check(Caller(0, 0), GatewayOps.RemoveImage).IsAllowed);
        Assert.True(policy.Check(Caller(1000, 1000), GatewayOps.RemoveImage).IsAllowed);
        Assert.False(policy.Check(Caller(1001, 1000), GatewayOps.RemoveImage).IsAllowed);
    }

    [Fact]
    public void Access_group_members_use_the_node_by_primary_or_supplementary_group()
    {
        var policy = Policy();

        Assert.True(policy.Check(Caller(1001, 990), GatewayOps.Pull).IsAllowed);
        Assert.True(policy.Check(Caller(1001, 100, 27, 990), GatewayOps.Pull).IsAllowed);
        Assert.Equal(
            "permission denied: pulling images needs root or membership of group 'pullcluster' (caller uid 1001, gid 100)",
            policy.Check(Caller(1001, 100, 27), GatewayOps.Pull).Refusal);
    }

    [Fact]
    public void Removing_images_needs_the_admin_group_whose_members_may_also_use_the_node()
    {
        var policy = Policy();

        Assert.Equal(
            "permission denied: removing images needs root or membership of group 'pullcluster-admin' (caller uid 65534, gid 65534)",
            policy.Check(Caller(65534, 65534, 990), GatewayOps.RemoveImage).Refusal);
        Assert.True(policy.Check(Caller(65534, 65534, 991), GatewayOps.RemoveImage).IsAllowed);
        Assert.True(policy.Check(Caller(65534, 65534, 991), GatewayOps.Pull).IsAllowed);
    }

    [Fact]
    public void A_group_that_does_not_exist_grants_nothing_and_the_refusal_says_so()
    {
        var policy = Policy(nodeUid: 1000, admins: new AccessGroup("pullcluster-admin", null));

        Assert.Equal(
            "permission denied: removing images needs root, uid 1000 (the node's user) (group 'pullcluster-admin' does not exist on the node's host) (caller uid 1001, gid 1001)",
            policy.Check(Caller(1001, 1001, 990), GatewayOps.RemoveImage).Refusal);
    }

    [Fact]
    public void Tcp_requests_need_the_token_which_grants_everything()
    {
        var policy = Policy(token: "s3cret\n");

        Assert.True(policy.CheckToken("s3cret").IsAllowed);
        Assert.Equal("admin token refused", policy.CheckToken("s3cret2").Refusal);
        Assert.Equal("admin token refused", policy.CheckToken("").Refusal);
        Assert.StartsWith("the node requires an admin token for TCP requests: pass --token-file FILE", policy.CheckToken(null).Refusal);
        Assert.StartsWith("the node requires an admin token for TCP requests and has none configured", Policy().CheckToken("s3cret").Refusal);
    }

    [Fact]
    public void An_empty_token_file_is_refused()
    {
        var e = Assert.Throws<FormatException>(() => AdminToken.FromText(" \n", "/etc/pullcluster/token"));

        Assert.Equal("the admin token file /etc/pullcluster/token is empty", e.Message);
    }
}
