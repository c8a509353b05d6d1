namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// A fresh directory under <c>/tmp/pullcluster-tests/run-&lt;pid&gt;/</c>, removed on dispose even when a test left
/// read-only directories, mode-000 files, fifos or device nodes in it. Directories of test runs that died without
/// cleaning up are swept the first time a later run creates one.
/// </summary>
public sealed class TempDir : IDisposable
{
    public const string Root = "/tmp/pullcluster-tests";

    private static readonly Lazy<string> RunRoot = new(CreateRunRoot);

    private static readonly EnumerationOptions AllEntries = new()
    {
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        RecurseSubdirectories = false,
    };

    public string Path { get; }

    private TempDir(string path) => Path = path;

    /// <summary>Creates <c>run-&lt;pid&gt;/&lt;label&gt;-&lt;random&gt;</c>; the label only makes leftovers recognisable.</summary>
    public static TempDir Create(string label = "tmp")
    {
        var safe = new string(label.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
        var path = System.IO.Path.Combine(RunRoot.Value, $"{safe}-{Guid.NewGuid():N}"[..(safe.Length + 13)]);
        Directory.CreateDirectory(path);
        return new TempDir(path);
    }

    /// <summary>A path inside this directory; nothing is created.</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Creates (if needed) and returns a subdirectory.</summary>
    public string Subdirectory(params string[] parts) => Directory.CreateDirectory(Combine(parts)).FullName;

    public override string ToString() => Path;

    public static implicit operator string(TempDir dir) => dir.Path;

    public void Dispose() => ForceDelete(Path);

    /// <summary>Deletes a tree after making every directory in it writable; symlinks are removed, never followed.</summary>
    public static void ForceDelete(string path)
    {
        var info = new DirectoryInfo(path);
        if (!info.Exists) return;
        if (info.LinkTarget is not null)
        {
            info.Delete();
            return;
        }
        MakeTraversable(info);
        info.Delete(recursive: true);
    }

    private static void MakeTraversable(DirectoryInfo dir)
    {
        if (OperatingSystem.IsWindows()) return;
        dir.UnixFileMode |= UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        foreach (var child in dir.EnumerateDirectories("*", AllEntries))
            if (child.LinkTarget is null) MakeTraversable(child);
    }

    private static string CreateRunRoot()
    {
        Directory.CreateDirectory(Root);
        SweepDeadRuns();
        var mine = System.IO.Path.Combine(Root, $"run-{Environment.ProcessId}");
        Directory.CreateDirectory(mine);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { ForceDelete(mine); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        };
        return mine;
    }

    private static void SweepDeadRuns()
    {
        foreach (var dir in new DirectoryInfo(Root).EnumerateDirectories("run-*", AllEntries))
        {
            if (!int.TryParse(dir.Name["run-".Length..], out var pid) || pid == Environment.ProcessId) continue;
            if (Directory.Exists($"/proc/{pid}")) continue;
            try { ForceDelete(dir.FullName); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
