using Akka.Cluster;
using PullCluster.Actors.Farm;
using PullCluster.Core.Gateway;

namespace PullCluster.Actors.Gateway;

/// <summary>
/// The cluster palette's reading of Akka.Cluster's state: which members to ask, how a member is named on the command
/// line, and the replies built from a <see cref="CensusTaken"/>. The node answering speaks for what it sees.
/// </summary>
public static class ClusterPalette
{
    /// <summary>How long members have to say what they hold; one that is reachable answers in milliseconds.</summary>
    public static readonly TimeSpan CensusTimeout = TimeSpan.FromSeconds(2);

    public static bool Handles(string op) =>
        op is GatewayOps.ClusterShow or GatewayOps.ClusterLeave or GatewayOps.ClusterDown or GatewayOps.BlobWhere;

    /// <summary>The members worth asking: reachable from here, and not on their way out.</summary>
    public static IReadOnlyList<string> Askable(ClusterEvent.CurrentClusterState state) =>
        state.Members
            .Where(m => m.Status is not (MemberStatus.Down or MemberStatus.Exiting or MemberStatus.Removed) && !state.Unreachable.Contains(m))
            .Select(m => m.Address.ToString())
            .ToList();

    /// <summary>
    /// The member a command line names, by its Akka address or by HOST:PORT (the --remote it was started with); null with
    /// a one-line refusal naming the members there are.
    /// </summary>
    public static (Member? Member, string? Refusal) Find(ClusterEvent.CurrentClusterState state, string text)
    {
        var wanted = text.Trim().TrimEnd('/');
        var member = state.Members.FirstOrDefault(m =>
            m.Address.ToString() == wanted || $"{m.Address.Host}:{m.Address.Port}" == wanted);
        return member is not null
            ? (member, null)
            : (null, $"no member of the cluster at '{text}'; its members: {string.Join(", ", state.Members.Select(m => m.Address))}");
    }

    public static ClusterViewDto View(Akka.Cluster.Cluster cluster, CensusTaken census)
    {
        var state = cluster.State;
        var peerUrls = census.Answers.ToDictionary(a => a.Node.Address, a => a.Node.PeerUrl, StringComparer.Ordinal);
        var members = state.Members
            .Select(m => new ClusterMemberDto(
                m.Address.ToString(),
                m.Status.ToString(),
                m.Roles.Order(StringComparer.Ordinal).ToList(),
                !state.Unreachable.Contains(m),
                m.Address.Equals(state.Leader),
                peerUrls.GetValueOrDefault(m.Address.ToString())))
            .ToList();
        return new ClusterViewDto(cluster.SelfAddress.ToString(), state.Leader?.ToString(), members);
    }

    public static BlobWhereaboutsDto Whereabouts(CensusTaken census) =>
        new(census.Digest,
            census.Answers
                .Where(a => a.State != HoldingState.None)
                .OrderBy(a => a.Node.Address, StringComparer.Ordinal)
                .Select(a => new BlobHolderDto(a.Node.Address, a.Node.PeerUrl, a.State == HoldingState.Complete ? "complete" : "receiving"))
                .ToList(),
            census.Unanswered);
}
