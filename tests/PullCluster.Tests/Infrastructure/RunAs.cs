using System.Globalization;
using System.Runtime.Versioning;

namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// Another identity to run a real process as, through util-linux's setpriv (the tests run as root, as CI does):
/// a uid, a primary gid and exactly the given supplementary groups, none when the list is empty.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed record RunAs(uint Uid, uint Gid, IReadOnlyList<uint> Groups)
{
    public const uint NobodyId = 65534;

    /// <summary>nobody:nogroup, in the given supplementary groups only.</summary>
    public static RunAs Nobody(params uint[] groups) => new(NobodyId, NobodyId, groups);

    /// <summary>The command line that runs <paramref name="fileName"/> with <paramref name="args"/> as this identity.</summary>
    public (string FileName, IReadOnlyList<string> Args) Wrap(string fileName, IEnumerable<string> args) =>
        ("setpriv",
        [
            $"--reuid={Uid}", $"--regid={Gid}",
            Groups.Count == 0 ? "--clear-groups" : $"--groups={string.Join(',', Groups)}",
            "--", fileName, .. args,
        ]);

    public Task<ProcResult> RunAsync(
        string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var (file, wrapped) = Wrap(fileName, args);
        return Proc.RunAsync(file, wrapped, timeout, workingDirectory: "/", environment: environment);
    }

    /// <summary>Creates the group unless it exists (groupadd -f, so parallel and repeated runs agree) and returns its gid.</summary>
    public static async Task<uint> EnsureGroupAsync(string name)
    {
        (await Proc.RunAsync("groupadd", ["-f", name])).EnsureSuccess();
        return await GroupIdAsync(name) ?? throw new InvalidOperationException($"groupadd -f {name} succeeded, yet getent finds no group {name}");
    }

    /// <summary>The gid of a group, or null when the host has none of that name.</summary>
    public static async Task<uint?> GroupIdAsync(string name)
    {
        var entry = await Proc.RunAsync("getent", ["group", name]);
        if (entry.ExitCode == 2) return null;
        entry.EnsureSuccess();
        // name:password:gid:members
        return uint.Parse(entry.Stdout.Split(':')[2], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Lets other users reach <paramref name="path"/>: adds search (x) permission for others to it and to every
    /// directory above it that lacks it. The test user's temp directories are 0700 under some umasks.
    /// </summary>
    public static void MakeTraversable(string path)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(path)); dir is not null; dir = dir.Parent)
        {
            if (!dir.Exists || dir.LinkTarget is not null) continue;
            var mode = dir.UnixFileMode;
            if ((mode & UnixFileMode.OtherExecute) == 0) dir.UnixFileMode = mode | UnixFileMode.OtherExecute;
        }
    }
}
