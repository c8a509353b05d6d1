using PullCluster.Core.Gateway;

namespace PullCluster.Cmd.Output;

/// <summary>cluster show and blob where as tables, with what the answering node could not learn said below them.</summary>
public static class ClusterTables
{
    private static readonly string[] MemberHeader = ["ADDRESS", "STATUS", "REACHABLE", "LEADER", "ROLES", "PEER URL"];
    private static readonly string[] HolderHeader = ["MEMBER", "PEER URL", "STATE"];

    public static void WriteMembers(TextWriter output, ClusterViewDto cluster)
    {
        TextTable.Write(output, MemberHeader, cluster.Members.Select(m => new[]
        {
            m.Address,
            m.Status,
            m.Reachable ? "yes" : "no",
            m.Leader ? "yes" : "no",
            m.Roles.Count == 0 ? "-" : string.Join(',', m.Roles),
            // "?": it did not say (unreachable, or slow); "-": it serves no blobs.
            m.PeerUrl switch { null => "?", "" => "-", var url => url },
        }));
        output.WriteLine($"answered by {cluster.Self}");
    }

    public static void WriteHolders(TextWriter output, BlobWhereaboutsDto blob)
    {
        if (blob.Holders.Count == 0) output.WriteLine($"no member holds {blob.Digest}");
        else TextTable.Write(output, HolderHeader, blob.Holders.Select(h => new[] { h.Address, h.PeerUrl.Length == 0 ? "-" : h.PeerUrl, h.State }));
        foreach (var member in blob.Unanswered) output.WriteLine($"no answer from {member}");
    }
}
