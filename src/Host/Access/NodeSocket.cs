using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using PullCluster.Core.Access;

namespace PullCluster.Host.Access;

/// <summary>
/// The node's unix socket, set up as docker's: its directory made if missing (0755), a stale socket from a
/// crashed node removed, and the socket itself mode 0660 with the access group, so that the kernel keeps
/// everyone else from even connecting. The rules still decide each request: the file mode is the outer wall.
/// </summary>
internal static class NodeSocket
{
    private const UnixFileMode SocketMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    private const UnixFileMode DirectoryMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>Binds and listens; throws <see cref="NodeSocketException"/> with the reason the node cannot start.</summary>
    public static Socket Listen(string path, AccessGroup group, ILogger log)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            try
            {
                Directory.CreateDirectory(directory, DirectoryMode);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new NodeSocketException($"cannot create the socket's directory {directory}: {e.Message}");
            }
        }
        RemoveStale(path, log);

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            // Before listen(): until then a connect is refused, so nobody slips in under the umask's mode.
            File.SetUnixFileMode(path, SocketMode);
            if (group.Gid is { } gid) GiveToGroup(path, group, gid, log);
            socket.Listen(512);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new NodeSocketException($"cannot listen on {path}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            socket.Dispose();
            throw new NodeSocketException($"cannot set the owner or mode of {path}: {e.Message}");
        }
    }

    /// <summary>A socket file with nothing answering is a crashed node's; anything else at the path is not ours to delete.</summary>
    private static void RemoveStale(string path, ILogger log)
    {
        bool? isSocket;
        try
        {
            isSocket = Posix.IsSocket(path);
        }
        catch (IOException e)
        {
            throw new NodeSocketException(e.Message);
        }
        if (isSocket is null) return;
        if (isSocket == false)
            throw new NodeSocketException($"{path} exists and is not a socket; remove it or choose another --socket");

        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new NodeSocketException($"another node is listening on {path}; stop it or choose another --socket");
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
            }
            catch (SocketException e)
            {
                throw new NodeSocketException($"cannot tell whether a node still listens on {path}: {e.Message}");
            }
        }
        File.Delete(path);
        log.LogInformation("removed the stale socket {Path} (nothing answered on it)", path);
    }

    private static void GiveToGroup(string path, AccessGroup group, uint gid, ILogger log)
    {
        try
        {
            Posix.ChangeGroup(path, gid);
        }
        catch (IOException e) when (Posix.UserId != 0)
        {
            // A user's node can hand its socket only to a group it is in; its own user can still connect.
            log.LogWarning("{Message}: only uid {Uid} can connect to {Path}", e.Message, Posix.UserId, path);
            return;
        }
        log.LogDebug("socket {Path} belongs to group {Group} ({Gid})", path, group.Name, gid);
    }
}

/// <summary>The node cannot take its socket; the message says why and what to do.</summary>
public sealed class NodeSocketException(string message) : Exception(message);
