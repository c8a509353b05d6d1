using System.Net.Sockets;
using PullCluster.Core.Access;

namespace PullCluster.Host.Access;

/// <summary>
/// Asks the kernel who connected to the unix socket: SO_PEERCRED (struct ucred { pid, uid, gid }) and
/// SO_PEERGROUPS (the gid_t array of supplementary groups), both as they were when the peer called connect.
/// </summary>
internal static class PeerCredentialReader
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;
    private const int SoPeerGroups = 59;

    // Enough for almost every user; the kernel says ERANGE for more, and the retry takes NGROUPS_MAX.
    private const int CommonGroups = 64;
    private const int MaxGroups = 65536;

    public static PeerCredentials Read(Socket socket)
    {
        Span<byte> ucred = stackalloc byte[12];
        if (socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred) < 12)
            throw new SocketException((int)SocketError.ProtocolOption);
        return new PeerCredentials(
            BitConverter.ToInt32(ucred),
            BitConverter.ToUInt32(ucred[4..]),
            BitConverter.ToUInt32(ucred[8..]),
            Groups(socket));
    }

    private static uint[] Groups(Socket socket)
    {
        byte[] buffer = new byte[CommonGroups * sizeof(uint)];
        int length;
        try
        {
            length = socket.GetRawSocketOption(SolSocket, SoPeerGroups, buffer);
        }
        catch (SocketException)
        {
            buffer = new byte[MaxGroups * sizeof(uint)];
            length = socket.GetRawSocketOption(SolSocket, SoPeerGroups, buffer);
        }
        var groups = new uint[length / sizeof(uint)];
        for (var i = 0; i < groups.Length; i++) groups[i] = BitConverter.ToUInt32(buffer, i * sizeof(uint));
        return groups;
    }
}
