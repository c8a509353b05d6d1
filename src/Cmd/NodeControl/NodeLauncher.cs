using System.Diagnostics;
using PullCluster.Cmd.Connection;
using PullCluster.Cmd.Parsing;

namespace PullCluster.Cmd.NodeControl;

/// <summary>Starts a node for a store on a unix socket when none answers there.</summary>
public sealed class NodeLauncher(UnixSocketEndpoint node, string store, CliEnvironment env, TextWriter stderr)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Longer than <see cref="StartTimeout"/>: the holder may spend all of that waiting for its node.</summary>
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(45);

    // setsid puts the node in its own session, so a Ctrl-C meant for the CLI does not reach it; the shell
    // sets up the log redirection, which ProcessStartInfo cannot do to a file.
    private const string SpawnScript =
        """log=$1; shift; if command -v setsid >/dev/null 2>&1; then exec setsid "$@" </dev/null >>"$log" 2>&1; else exec "$@" </dev/null >>"$log" 2>&1; fi""";

    private readonly StoreFiles files = new(store);

    /// <returns>True when this call started the node; false when one was answering already.</returns>
    public bool EnsureRunning()
    {
        try
        {
            Directory.CreateDirectory(store);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliFailure($"cannot create store {store}: {e.Message}");
        }

        using var held = LockUnlessAnswering();
        if (held is null || NodeProbe.Answers(node)) return false;

        string binary;
        try
        {
            binary = NodeBinary.Find(env);
        }
        catch (CliFailure e)
        {
            throw new CliFailure($"no node answers at {node}; {e.Message}");
        }
        using var process = Spawn(binary);
        File.WriteAllText(files.Pid, $"{process.Id}\n");
        WaitUntilAnswering(process, binary);
        stderr.WriteLine($"pullcluster: started node at {node} (store {store}, log {files.Log})");
        return true;
    }

    /// <summary>Waits for the lock, but gives up waiting as soon as another CLI's node answers.</summary>
    private FileStream? LockUnlessAnswering()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (StoreLock.TryAcquire(files.Lock) is { } held) return held;
            if (NodeProbe.Answers(node)) return null;
            if (clock.Elapsed > LockTimeout)
                throw new CliFailure(
                    $"waited {LockTimeout.TotalSeconds:0} s for {files.Lock}: another pullcluster holds it while starting a node, and no node answers at {node}");
            Thread.Sleep(PollInterval);
        }
    }

    private Process Spawn(string binary)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = store,
        };
        foreach (var arg in new[] { "-c", SpawnScript, "sh", files.Log, binary, "--socket", node.Path, "--store", store })
            start.ArgumentList.Add(arg);
        // This CLI chose the socket; a TCP address in its environment is not the started node's to open.
        start.Environment.Remove(CliEnvironment.NodeVariable);
        try
        {
            return Process.Start(start) ?? throw new CliFailure($"cannot start node {binary}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CliFailure($"cannot start node {binary}: {e.Message}");
        }
    }

    private void WaitUntilAnswering(Process process, string binary)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (NodeProbe.Answers(node)) return;
            // Exit code 0 is left to the timeout: it is what a setsid that had to fork reports.
            if (process.HasExited && process.ExitCode != 0)
                throw new CliFailure(
                    $"node {binary} exited with code {process.ExitCode} before answering at {node}; see {files.Log}");
            Thread.Sleep(PollInterval);
        }
        throw new CliFailure(
            $"node {binary} did not answer at {node} within {StartTimeout.TotalSeconds:0} s; see {files.Log}");
    }
}
