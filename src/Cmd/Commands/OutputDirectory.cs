using System.Runtime.InteropServices;
using PullCluster.Core.Layers;

namespace PullCluster.Cmd.Commands;

/// <summary>
/// The directory image rootfs and export write into, made and checked with the caller's own rights before the node
/// is asked for anything: a missing one is created (with the caller's umask), an existing one must be an empty
/// directory, and a failed write removes what it wrote, so an error leaves things as they were.
/// </summary>
public sealed partial class OutputDirectory
{
    private readonly string? createdRoot;

    private OutputDirectory(string path, string? createdRoot)
    {
        Path = path;
        this.createdRoot = createdRoot;
    }

    public string Path { get; }

    /// <param name="path">An absolute path.</param>
    public static OutputDirectory Prepare(string path)
    {
        var info = new DirectoryInfo(path);
        if (info.Exists)
        {
            // A symlink the caller made to one of their directories is followed, as tar -C follows it.
            var real = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
            bool empty;
            try
            {
                empty = !Directory.EnumerateFileSystemEntries(real).Any();
            }
            catch (UnauthorizedAccessException)
            {
                throw new CliFailure($"cannot write to '{path}': permission denied");
            }
            // Asked before the node is, so that a directory the caller may not write costs no transfer; and before
            // emptiness, so that a directory not the caller's to write (/etc) is refused as that, as cp -r would.
            if (FAccessAt(AtFdCwd, real, WOk | XOk, AtEAccess) != 0)
                throw new CliFailure($"cannot write to '{path}': {Describe(Marshal.GetLastPInvokeError())}");
            if (!empty) throw new CliFailure($"'{path}' is not empty; name a missing or empty directory");
            return new OutputDirectory(real, null);
        }
        if (Exists(path) || new FileInfo(path).LinkTarget is not null)
            throw new CliFailure($"'{path}' exists and is not a directory");
        var createdRoot = TopmostMissing(path);
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (UnauthorizedAccessException)
        {
            throw new CliFailure($"cannot create directory '{path}': permission denied");
        }
        catch (IOException e)
        {
            throw new CliFailure($"cannot create directory '{path}': {e.Message}");
        }
        return new OutputDirectory(path, createdRoot);
    }

    /// <summary>Extracts a tar stream into the directory, as the caller: owners are kept only for root.</summary>
    public void Extract(Stream tar)
    {
        try
        {
            TreeExtractor.Extract(tar, Path, new LayerApplyOptions(), CancellationToken.None);
        }
        catch (LayerFormatException e)
        {
            throw new CliFailure($"the node sent an unusable tar stream: {e.Message}");
        }
    }

    /// <summary>After a failure: removes what was written, and the directories <see cref="Prepare"/> created.</summary>
    public void Discard()
    {
        try
        {
            TreeExtractor.Clear(Path);
            if (createdRoot is null) return;
            for (var dir = Path; ; dir = System.IO.Path.GetDirectoryName(dir)!)
            {
                Directory.Delete(dir);
                if (dir == createdRoot) break;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The failure that led here is the one to report; what could not be removed stays for the caller.
        }
    }

    private const int AtFdCwd = -100;
    private const int AtEAccess = 0x200;
    private const int XOk = 1;
    private const int WOk = 2;

    /// <summary>faccessat(2) with AT_EACCESS: what the effective user may do, which is who writes the files.</summary>
    [LibraryImport("libc", EntryPoint = "faccessat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int FAccessAt(int dirFd, string path, int mode, int flags);

    private static string Describe(int errno) => errno is 1 or 13 ? "permission denied" : Marshal.GetPInvokeErrorMessage(errno);

    private static string TopmostMissing(string path)
    {
        var topmost = path;
        for (var parent = System.IO.Path.GetDirectoryName(path); parent is not null && !Exists(parent); parent = System.IO.Path.GetDirectoryName(parent))
            topmost = parent;
        return topmost;
    }

    private static bool Exists(string path) => Directory.Exists(path) || File.Exists(path);
}
