using System.Diagnostics;

namespace PullCluster.Actors;

/// <summary>
/// Crash injection for recovery tests: when PULLCLUSTER_FAILPOINT names a point, the node kills itself
/// there with SIGKILL, exactly as a power cut or OOM kill would end it, at a moment no outside timing can
/// hit reliably. Unset in production, it costs one string comparison.
/// </summary>
public static class Failpoints
{
    /// <summary>After a layer's directory is renamed into place, before the journal records it.</summary>
    public const string AfterLayerCommit = "after-layer-commit";

    private static readonly string? Armed = Environment.GetEnvironmentVariable("PULLCLUSTER_FAILPOINT");

    public static void Hit(string name)
    {
        if (Armed != name) return;
        Console.Error.WriteLine($"failpoint {name}: killing the node");
        Process.GetCurrentProcess().Kill();
    }
}
