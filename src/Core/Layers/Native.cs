using System.Runtime.InteropServices;

namespace PullCluster.Core.Layers;

/// <summary>
/// Every libc and zlib entry point the layer code uses. Paths are NUL-terminated byte strings so that file names
/// which are not valid UTF-8 survive unchanged, as they do with tar and containerd.
/// </summary>
internal static unsafe class Native
{
    private const string Libc = "libc";

    // The zlib-ng build that System.IO.Compression itself calls; GZipStream cannot report a truncated stream.
    private const string Zlib = "libSystem.IO.Compression.Native";

    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const uint StatxBasicStats = 0x7ff;

    public const int ORdOnly = 0;
    public const int OWrOnly = 1;
    public const int OCreat = 0x40;
    public const int OExcl = 0x80;
    public const int OCloexec = 0x80000;

    // asm-generic value (x86-64, riscv, …); arm and arm64 use their own.
    public static readonly int ONoFollow = IsArm ? 0x8000 : 0x20000;

    private static bool IsArm => RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64;

    public const uint SIfMt = 0xF000;
    public const uint SIfLnk = 0xA000;
    public const uint SIfReg = 0x8000;
    public const uint SIfBlk = 0x6000;
    public const uint SIfDir = 0x4000;
    public const uint SIfChr = 0x2000;
    public const uint SIfIfo = 0x1000;

    public const int EPerm = 1;
    public const int ENoEnt = 2;
    public const int EIntr = 4;
    public const int EAcces = 13;
    public const int EExist = 17;
    public const int EXDev = 18;
    public const int ENotDir = 20;
    public const int EInval = 22;
    public const int ERange = 34;
    public const int ENoSys = 38;
    public const int ENoData = 61;
    public const int EOpNotSupp = 95;

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Sec;
        public long Nsec;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct StatxTimestamp
    {
        public long Sec;
        public uint Nsec;
        private int _reserved;
    }

    /// <summary>struct statx: the same layout on every Linux architecture, unlike struct stat.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    public struct Statx
    {
        public uint Mask;
        public uint BlkSize;
        public ulong Attributes;
        public uint NLink;
        public uint Uid;
        public uint Gid;
        public ushort Mode;
        private ushort _spare0;
        public ulong Ino;
        public ulong Size;
        public ulong Blocks;
        public ulong AttributesMask;
        public StatxTimestamp ATime;
        public StatxTimestamp BTime;
        public StatxTimestamp CTime;
        public StatxTimestamp MTime;
        public uint RDevMajor;
        public uint RDevMinor;
        public uint DevMajor;
        public uint DevMinor;
    }

    /// <summary>The head of glibc's struct dirent64 (x86-64 and arm64 agree): the name starts at offset 19.</summary>
    public const int DirentNameOffset = 19;
    public const int DirentTypeOffset = 18;

    [DllImport(Libc, SetLastError = true)] public static extern int statx(int dirfd, byte* path, int flags, uint mask, Statx* buf);
    [DllImport(Libc, SetLastError = true)] public static extern int open(byte* path, int flags, uint mode);
    [DllImport(Libc, SetLastError = true)] public static extern int close(int fd);
    [DllImport(Libc, SetLastError = true)] public static extern nint read(int fd, byte* buf, nint count);
    [DllImport(Libc, SetLastError = true)] public static extern nint write(int fd, byte* buf, nint count);
    [DllImport(Libc, SetLastError = true)] public static extern int fsync(int fd);
    [DllImport(Libc, SetLastError = true)] public static extern nint copy_file_range(int fdIn, long* offIn, int fdOut, long* offOut, nint len, uint flags);
    [DllImport(Libc, SetLastError = true)] public static extern int mkdir(byte* path, uint mode);
    [DllImport(Libc, SetLastError = true)] public static extern int rmdir(byte* path);
    [DllImport(Libc, SetLastError = true)] public static extern int unlink(byte* path);
    [DllImport(Libc, SetLastError = true)] public static extern int link(byte* oldPath, byte* newPath);
    [DllImport(Libc, SetLastError = true)] public static extern int rename(byte* oldPath, byte* newPath);
    [DllImport(Libc, SetLastError = true)] public static extern int symlink(byte* target, byte* linkPath);
    [DllImport(Libc, SetLastError = true)] public static extern nint readlink(byte* path, byte* buf, nint size);
    // Exported by glibc since 2.33 (before, only __xmknod was).
    [DllImport(Libc, SetLastError = true)] public static extern int mknod(byte* path, uint mode, ulong dev);
    [DllImport(Libc, SetLastError = true)] public static extern int chmod(byte* path, uint mode);
    [DllImport(Libc, SetLastError = true)] public static extern int fchmod(int fd, uint mode);
    [DllImport(Libc, SetLastError = true)] public static extern int lchown(byte* path, int uid, int gid);
    [DllImport(Libc, SetLastError = true)] public static extern int fchown(int fd, int uid, int gid);
    [DllImport(Libc, SetLastError = true)] public static extern int utimensat(int dirfd, byte* path, Timespec* times, int flags);
    [DllImport(Libc, SetLastError = true)] public static extern int futimens(int fd, Timespec* times);
    [DllImport(Libc, SetLastError = true)] public static extern int lsetxattr(byte* path, byte* name, byte* value, nint size, int flags);
    [DllImport(Libc, SetLastError = true)] public static extern int fsetxattr(int fd, byte* name, byte* value, nint size, int flags);
    [DllImport(Libc, SetLastError = true)] public static extern nint llistxattr(byte* path, byte* list, nint size);
    [DllImport(Libc, SetLastError = true)] public static extern nint lgetxattr(byte* path, byte* name, byte* value, nint size);
    [DllImport(Libc, SetLastError = true)] public static extern int lremovexattr(byte* path, byte* name);
    [DllImport(Libc, SetLastError = true)] public static extern nint opendir(byte* path);
    [DllImport(Libc, SetLastError = true)] public static extern byte* readdir64(nint dir);
    [DllImport(Libc, SetLastError = true)] public static extern int closedir(nint dir);

    /// <summary>PAL_ZStream of System.IO.Compression.Native.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ZStream
    {
        public byte* NextIn;
        public byte* NextOut;
        public byte* Msg;
        private nint _internalState;
        public uint AvailIn;
        public uint AvailOut;
    }

    public const int ZOk = 0;
    public const int ZStreamEnd = 1;
    public const int ZBufError = -5;
    public const int ZNoFlush = 0;
    public const int GzipWindowBits = 31;

    [DllImport(Zlib)] public static extern int CompressionNative_InflateInit2_(ZStream* stream, int windowBits);
    [DllImport(Zlib)] public static extern int CompressionNative_Inflate(ZStream* stream, int flush);
    [DllImport(Zlib)] public static extern int CompressionNative_InflateReset2_(ZStream* stream, int windowBits);
    [DllImport(Zlib)] public static extern int CompressionNative_InflateEnd(ZStream* stream);

    /// <summary>glibc's makedev.</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) |
        ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);
}
