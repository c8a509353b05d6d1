using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using PullCluster.Cmd.Connection;

namespace PullCluster.Cmd.NodeControl;

/// <summary>
/// Stops the node a CLI started for a store, found by the pid it recorded. The pid is trusted only while
/// /proc still shows that process running with "--store STORE", so a recycled pid is never signalled.
/// </summary>
public static partial class NodeStopper
{
    private const int SigTerm = 15;
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    /// <returns>The pid that was stopped, or null when no node started for this store was running.</returns>
    public static int? Stop(NodeEndpoint node, string store)
    {
        var files = new StoreFiles(store);
        if (ReadPid(files.Pid) is not { } pid || !RunsForStore(pid, store))
        {
            if (NodeProbe.Answers(node))
                throw new CliFailure(
                    $"the node at {node} was not started by pullcluster for store {store} (no live pid in {files.Pid}); stop it where it was started");
            File.Delete(files.Pid);
            return null;
        }

        if (Kill(pid, SigTerm) != 0)
            throw new CliFailure($"cannot signal node pid {pid}: {Marshal.GetLastPInvokeErrorMessage()}");
        var clock = Stopwatch.StartNew();
        while (RunsForStore(pid, store))
        {
            if (clock.Elapsed > StopTimeout)
                throw new CliFailure(
                    $"node pid {pid} still runs {StopTimeout.TotalSeconds:0} s after SIGTERM; see {files.Log}");
            Thread.Sleep(50);
        }
        File.Delete(files.Pid);
        return pid;
    }

    private static int? ReadPid(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                ? pid
                : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>False for a zombie too: its cmdline is empty, and it no longer serves anything.</summary>
    private static bool RunsForStore(int pid, string store)
    {
        string[] args;
        try
        {
            args = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        for (var i = 0; i + 1 < args.Length; i++)
            if (args[i] == "--store" && args[i + 1] == store)
                return true;
        return false;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
