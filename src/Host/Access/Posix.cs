using System.Runtime.InteropServices;

namespace PullCluster.Host.Access;

/// <summary>The few libc calls the socket's owners need and .NET does not offer: ids, group lookup, chown and a
/// file's type.</summary>
internal static partial class Posix
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int StatxModeOffset = 28;
    private const int StatxSize = 256;
    private const ushort TypeMask = 0xF000;
    private const ushort SocketType = 0xC000;

    public static uint UserId => GetUid();

    /// <summary>The gid of a group by name (through NSS, so LDAP groups count), or null when there is none.</summary>
    public static uint? GroupId(string name)
    {
        // getgrnam's buffer is static, but the node looks groups up once, at start, on one thread.
        var entry = GetGrNam(name);
        // struct group { char *gr_name; char *gr_passwd; gid_t gr_gid; char **gr_mem; }
        return entry == IntPtr.Zero ? null : (uint)Marshal.ReadInt32(entry, 2 * IntPtr.Size);
    }

    /// <summary>Sets the file's group, leaving its owner; throws naming the file and the errno's meaning.</summary>
    public static void ChangeGroup(string path, uint gid)
    {
        if (Chown(path, uint.MaxValue, gid) != 0)
            throw new IOException($"cannot give {path} to gid {gid}: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    /// <summary>What is at <paramref name="path"/> (not following a symlink): null when nothing is.</summary>
    public static bool? IsSocket(string path)
    {
        var buffer = new byte[StatxSize];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == 2) return null; // ENOENT
            throw new IOException($"cannot inspect {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        return (BitConverter.ToUInt16(buffer, StatxModeOffset) & TypeMask) == SocketType;
    }

    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint GetUid();

    [LibraryImport("libc", EntryPoint = "getgrnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetGrNam(string name);

    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chown(string path, uint owner, uint group);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, byte[] buffer);
}
