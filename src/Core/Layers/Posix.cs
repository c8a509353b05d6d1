using System.Runtime.InteropServices;
using static PullCluster.Core.Layers.Native;

namespace PullCluster.Core.Layers;

/// <summary>
/// Thin wrappers over <see cref="Native"/> taking raw paths (<see cref="RawPath"/>). None of them follows a symlink in the
/// last component; failures become <see cref="IOException"/>s that name the operation, the path and the errno text.
/// </summary>
internal static unsafe class Posix
{
    private const int Scratch = 512;

    public static IOException Error(string operation, string rawPath, int errno) =>
        new($"{operation} '{RawPath.Display(rawPath)}': {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})") { HResult = errno };

    private static IOException LastError(string operation, string rawPath) =>
        Error(operation, rawPath, Marshal.GetLastPInvokeError());

    public static bool IsDir(in Statx st) => (st.Mode & SIfMt) == SIfDir;

    public static uint TypeOf(in Statx st) => st.Mode & SIfMt;

    /// <summary>lstat; false when the path or one of its parents does not exist.</summary>
    public static bool TryLstat(string path, out Statx st)
    {
        st = default;
        var p = RawPath.Terminated(path, stackalloc byte[Scratch]);
        fixed (byte* pp = p)
        fixed (Statx* sp = &st)
        {
            if (statx(AtFdCwd, pp, AtSymlinkNoFollow, StatxBasicStats, sp) == 0) return true;
        }
        var errno = Marshal.GetLastPInvokeError();
        if (errno is ENoEnt or ENotDir) return false;
        throw Error("lstat", path, errno);
    }

    public static Statx Lstat(string path) =>
        TryLstat(path, out var st) ? st : throw Error("lstat", path, ENoEnt);

    /// <summary>Creates a new regular file (never through a symlink, never over an existing one) and opens it for writing.</summary>
    public static int CreateFile(string path)
    {
        var rc = TryCreateFile(path, out var fd);
        return rc == 0 ? fd : throw Error("create", path, rc);
    }

    /// <summary><see cref="CreateFile"/> returning errno (0 on success, EEXIST when something is in the way).</summary>
    public static int TryCreateFile(string path, out int fd)
    {
        var p = RawPath.Terminated(path, stackalloc byte[Scratch]);
        fixed (byte* pp = p) fd = open(pp, OWrOnly | OCreat | OExcl | ONoFollow | OCloexec, 0x180);
        return fd >= 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    public static int OpenRead(string path)
    {
        var p = RawPath.Terminated(path, stackalloc byte[Scratch]);
        fixed (byte* pp = p)
        {
            var fd = open(pp, ORdOnly | ONoFollow | OCloexec, 0);
            return fd >= 0 ? fd : throw LastError("open", path);
        }
    }

    public static void Close(int fd) => close(fd);

    public static void WriteAll(int fd, ReadOnlySpan<byte> data, string path)
    {
        fixed (byte* start = data)
        {
            var p = start;
            var left = (nint)data.Length;
            while (left > 0)
            {
                var n = write(fd, p, left);
                if (n < 0)
                {
                    if (Marshal.GetLastPInvokeError() == EIntr) continue;
                    throw LastError("write", path);
                }
                p += n;
                left -= n;
            }
        }
    }

    public static int Read(int fd, Span<byte> buffer, string path)
    {
        fixed (byte* b = buffer)
        {
            while (true)
            {
                var n = read(fd, b, buffer.Length);
                if (n >= 0) return (int)n;
                if (Marshal.GetLastPInvokeError() != EIntr) throw LastError("read", path);
            }
        }
    }

    public static void Fsync(int fd, string path)
    {
        if (fsync(fd) != 0) throw LastError("fsync", path);
    }

    /// <summary>Copies <paramref name="size"/> bytes in the kernel when it can (copy_file_range), else through <paramref name="buffer"/>.</summary>
    public static void CopyData(int fdIn, int fdOut, long size, byte[] buffer, string source, string target)
    {
        long done = 0;
        while (done < size)
        {
            var n = copy_file_range(fdIn, null, fdOut, null, (nint)Math.Min(size - done, 1L << 30), 0);
            if (n > 0)
            {
                done += n;
                continue;
            }
            if (n == 0) throw new IOException($"copy '{RawPath.Display(source)}': file shrank while being copied");
            var errno = Marshal.GetLastPInvokeError();
            if (errno == EIntr) continue;
            if (errno is EXDev or ENoSys or EInval or EOpNotSupp) break;
            throw Error("copy_file_range to", target, errno);
        }
        while (done < size)
        {
            var n = Read(fdIn, buffer.AsSpan(0, (int)Math.Min(buffer.Length, size - done)), source);
            if (n == 0) throw new IOException($"copy '{RawPath.Display(source)}': file shrank while being copied");
            WriteAll(fdOut, buffer.AsSpan(0, n), target);
            done += n;
        }
    }

    public static void Mkdir(string path, uint mode)
    {
        var rc = TryMkdir(path, mode);
        if (rc != 0) throw Error("mkdir", path, rc);
    }

    public static int TryMkdir(string path, uint mode)
    {
        var p = RawPath.Terminated(path, stackalloc byte[Scratch]);
        fixed (byte* pp = p)
            return mkdir(pp, mode) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    public static void Unlink(string path)
    {
        var p = RawPath.Terminated(path, stackalloc byte[Scratch]);
        fixed (byte* pp = p)
            if (unlink(pp) != 0) throw LastError("unlink", path);
    }

    public static void Rmdir(string path)
    {
        var p = RawPath.Terminated(path, stackalloc byte[Scratch]);
        fixed (byte* pp = p)
            if (rmdir(pp) != 0) throw LastError("rmdir", path);
    }

    /// <summary>link(2) without following a symlink at <paramref name="existing"/>; returns errno (0 on success).</summary>
    public static int TryLink(string existing, string path)
    {
        var a = RawPath.Terminated(existing, stackalloc byte[Scratch]);
        var b = RawPath.Terminated(path, stackalloc byte[Scratch]);
        fixed (byte* ap = a)
        fixed (byte* bp = b)
            return link(ap, bp) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>rename(2): replaces a non-directory or an empty directory at <paramref name="path"/>.</summary>
    public static void Rename(string from, string path)
    {
        var a = RawPath.Terminated(from, stackalloc byte[Scratch]);
        var b = RawPath.Terminated(path, stackalloc byte[Scratch]);
        fixed (byte* ap = a)
        fixed (byte* bp = b)
            if (rename(ap, bp) != 0) throw LastError($"rename '{RawPath.Display(from)}' to", path);
    }

    /// <summary>fsync of a file or directory by path (never through a symlink), to make what changed in it durable.</summary>
    public static void SyncPath(string path)
    {
        var p = RawPath.Terminated(path, stackalloc byte[Scratch]);
        int fd;
        fixed (byte* pp = p) fd = open(pp, ORdOnly | ONoFollow | OCloexec, 0);
        if (fd < 0) throw LastError("open", path);
        try
        {
            Fsync(fd, path);
        }
        finally
        {
            close(fd);
        }
    }

    public static void Symlink(string target, string path)
    {
        var rc = TrySymlink(target, path);
        if (rc != 0) throw Error("symlink", path, rc);
    }

    public static int TrySymlink(string target, string path)
    {
        var a = RawPath.Terminated(target, stackalloc byte[Scratch]);
        var b = RawPath.Terminated(path, stackalloc byte[Scratch]);
        fixed (byte* ap = a)
        fixed (byte* bp = b)
            return symlink(ap, bp) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    public static string ReadLink(string path)
    {
        var p = RawPath.Terminated(path, stackalloc byte[Scratch]);
        var buf = new byte[4096];
        fixed (byte* pp = p)
        {
            while (true)
            {
                nint n;
                fixed (byte* bp = buf) n = readlink(pp, bp, buf.Length);
                if (n < 0) throw LastError("readlink", path);
                if (n < buf.Length) return RawPath.FromBytes(buf.AsSpan(0, (int)n));
                buf = new byte[buf.Length * 4];
            }
        }
    }

    /// <summary>mknod(2); returns errno (0 on success) so callers can decide whether EPERM is fatal.</summary>
    public static int TryMknod(string path, uint mode, uint major, uint minor)
    {
        var p = RawPath.Terminated(path, stackalloc byte[Scratch]);
        fixed (byte* pp = p)
            return mknod(pp, mode, MakeDev(major, minor)) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>chmod(2): follows symlinks, so only for paths just checked to be something else.</summary>
    public static void Chmod(string path, uint mode)
    {
        var p = RawPath.Terminated(path, stackalloc byte[Scratch]);
        fixed (byte* pp = p)
            if (chmod(pp, mode) != 0) throw LastError("chmod", path);
    }

    public static void Fchmod(int fd, uint mode, string path)
    {
        if (fchmod(fd, mode) != 0) throw LastError("chmod", path);
    }

    public static void Lchown(string path, uint uid, uint gid)
    {
        var p = RawPath.Terminated(path, stackalloc byte[Scratch]);
        fixed (byte* pp = p)
            if (lchown(pp, (int)uid, (int)gid) != 0) throw LastError("lchown", path);
    }

    public static void Fchown(int fd, uint uid, uint gid, string path)
    {
        if (fchown(fd, (int)uid, (int)gid) != 0) throw LastError("chown", path);
    }

    public static void SetTimes(string path, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec)
    {
        var p = RawPath.Terminated(path, stackalloc byte[Scratch]);
        var times = stackalloc Timespec[2];
        times[0] = new Timespec { Sec = atimeSec, Nsec = atimeNsec };
        times[1] = new Timespec { Sec = mtimeSec, Nsec = mtimeNsec };
        fixed (byte* pp = p)
            if (utimensat(AtFdCwd, pp, times, AtSymlinkNoFollow) != 0) throw LastError("utimensat", path);
    }

    public static void FSetTimes(int fd, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec, string path)
    {
        var times = stackalloc Timespec[2];
        times[0] = new Timespec { Sec = atimeSec, Nsec = atimeNsec };
        times[1] = new Timespec { Sec = mtimeSec, Nsec = mtimeNsec };
        if (futimens(fd, times) != 0) throw LastError("futimens", path);
    }

    /// <summary>Sets an xattr on <paramref name="fd"/> when it is ≥ 0, else on the path without following it; returns errno.</summary>
    public static int TrySetXattr(int fd, string path, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        Span<byte> n = name.Length < 256 ? stackalloc byte[name.Length + 1] : new byte[name.Length + 1];
        name.CopyTo(n);
        n[^1] = 0;
        var p = RawPath.Terminated(path, stackalloc byte[Scratch]);
        fixed (byte* np = n)
        fixed (byte* vp = value)
        fixed (byte* pp = p)
        {
            var rc = fd >= 0 ? fsetxattr(fd, np, vp, value.Length, 0) : lsetxattr(pp, np, vp, value.Length, 0);
            return rc == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>The xattr names on a path (not following a symlink), each without its NUL.</summary>
    public static List<byte[]> ListXattrs(string path)
    {
        var p = RawPath.Terminated(path, stackalloc byte[Scratch]);
        var names = new List<byte[]>();
        fixed (byte* pp = p)
        {
            while (true)
            {
                var size = llistxattr(pp, null, 0);
                if (size < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EOpNotSupp) return names;
                    throw Error("llistxattr", path, errno);
                }
                if (size == 0) return names;
                var buf = new byte[size];
                nint got;
                fixed (byte* bp = buf) got = llistxattr(pp, bp, size);
                if (got < 0)
                {
                    if (Marshal.GetLastPInvokeError() == ERange) continue;
                    throw LastError("llistxattr", path);
                }
                var span = buf.AsSpan(0, (int)got);
                while (span.Length > 0)
                {
                    var end = span.IndexOf((byte)0);
                    if (end < 0) end = span.Length;
                    if (end > 0) names.Add(span[..end].ToArray());
                    span = span[Math.Min(end + 1, span.Length)..];
                }
                return names;
            }
        }
    }

    /// <summary>An xattr's value, or null when the path does not carry it.</summary>
    public static byte[]? GetXattr(string path, ReadOnlySpan<byte> name)
    {
        Span<byte> n = name.Length < 256 ? stackalloc byte[name.Length + 1] : new byte[name.Length + 1];
        name.CopyTo(n);
        n[^1] = 0;
        var p = RawPath.Terminated(path, stackalloc byte[Scratch]);
        fixed (byte* np = n)
        fixed (byte* pp = p)
        {
            while (true)
            {
                var size = lgetxattr(pp, np, null, 0);
                if (size < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno is ENoData or EOpNotSupp) return null;
                    throw Error("lgetxattr", path, errno);
                }
                var buf = new byte[size];
                nint got;
                fixed (byte* bp = buf) got = lgetxattr(pp, np, bp, size);
                if (got >= 0) return got == size ? buf : buf[..(int)got];
                var e = Marshal.GetLastPInvokeError();
                if (e == ERange) continue;
                if (e is ENoData) return null;
                throw Error("lgetxattr", path, e);
            }
        }
    }

    public static void RemoveXattr(string path, ReadOnlySpan<byte> name)
    {
        Span<byte> n = name.Length < 256 ? stackalloc byte[name.Length + 1] : new byte[name.Length + 1];
        name.CopyTo(n);
        n[^1] = 0;
        var p = RawPath.Terminated(path, stackalloc byte[Scratch]);
        fixed (byte* np = n)
        fixed (byte* pp = p)
        {
            if (lremovexattr(pp, np) == 0) return;
            var errno = Marshal.GetLastPInvokeError();
            if (errno != ENoData) throw Error("lremovexattr", path, errno);
        }
    }

    public const byte DtUnknown = 0;
    public const byte DtChr = 2;
    public const byte DtDir = 4;

    /// <summary>The entries of a directory except "." and "..", with the d_type hint (0 when the file system gives none).</summary>
    public static List<(string Name, byte Type)> ReadDir(string path)
    {
        var p = RawPath.Terminated(path, stackalloc byte[Scratch]);
        nint dir;
        fixed (byte* pp = p) dir = opendir(pp);
        if (dir == 0) throw LastError("opendir", path);
        var entries = new List<(string, byte)>();
        try
        {
            while (true)
            {
                Marshal.SetLastPInvokeError(0);
                var ent = readdir64(dir);
                if (ent == null)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno != 0) throw Error("readdir", path, errno);
                    return entries;
                }
                var name = new ReadOnlySpan<byte>(ent + DirentNameOffset, 256);
                name = name[..name.IndexOf((byte)0)];
                if (name is [(byte)'.'] or [(byte)'.', (byte)'.']) continue;
                entries.Add((RawPath.FromBytes(name), ent[DirentTypeOffset]));
            }
        }
        finally
        {
            closedir(dir);
        }
    }

    /// <summary>Deletes a path and, for a directory, everything below it; never follows symlinks. A missing path is fine.</summary>
    public static void RemoveAll(string path)
    {
        if (!TryLstat(path, out var st)) return;
        if (!IsDir(st))
        {
            Unlink(path);
            return;
        }
        RemoveChildren(path);
        Rmdir(path);
    }

    public static void RemoveChildren(string dir)
    {
        foreach (var (name, type) in ReadDir(dir))
        {
            var child = string.Concat(dir, "/", name);
            if (type == DtDir || type == DtUnknown) RemoveAll(child);
            else Unlink(child);
        }
    }
}
