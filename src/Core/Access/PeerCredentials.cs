namespace PullCluster.Core.Access;

/// <summary>Who is at the other end of a unix socket, as the kernel says (SO_PEERCRED, SO_PEERGROUPS): the
/// credentials of the process that connected, taken when it connected.</summary>
/// <param name="Groups">Supplementary groups.</param>
public sealed record PeerCredentials(int Pid, uint Uid, uint Gid, IReadOnlyList<uint> Groups)
{
    public bool IsInGroup(uint gid) => Gid == gid || Groups.Contains(gid);

    public override string ToString() => $"uid={Uid} gid={Gid} groups={string.Join(',', Groups)} pid={Pid}";
}
