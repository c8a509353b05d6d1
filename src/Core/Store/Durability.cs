using System.Runtime.InteropServices;

namespace PullCluster.Core.Store;

/// <summary>
/// fsync helpers. A rename is only durable once the directory holding the new name is synced, so every
/// commit in the store ends with <see cref="SyncDirectory"/>.
/// </summary>
public static partial class Durability
{
    public static void SyncFile(FileStream stream) => stream.Flush(flushToDisk: true);

    public static void SyncDirectory(string directory)
    {
        var fd = Open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) throw new IOException($"cannot open directory {directory} to sync it: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"fsync of directory {directory} failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>
    /// Flushes the whole file system that holds <paramref name="path"/>: one call instead of an fsync per file
    /// of an unpacked layer (thousands of small files), which is what makes a layer commit durable cheaply.
    /// </summary>
    public static void SyncFileSystem(string path)
    {
        var fd = Open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw new IOException($"cannot open {path} to sync its file system: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (SyncFs(fd) != 0) throw new IOException($"syncfs of {path} failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            Close(fd);
        }
    }

    private const int O_RDONLY = 0;
    private const int O_DIRECTORY = 0x10000;
    private const int O_CLOEXEC = 0x80000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
