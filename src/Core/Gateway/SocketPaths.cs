namespace PullCluster.Core.Gateway;

/// <summary>
/// Where the node's unix socket is by default, as the node and the CLI both choose it: the host's root node at
/// a fixed path (as docker's /run/docker.sock), a user's node in that user's runtime directory.
/// </summary>
public static class SocketPaths
{
    public const string RootDirectory = "/run/pullcluster";

    public const string FileName = "pullcluster.sock";

    public static string Root { get; } = Path.Combine(RootDirectory, FileName);

    /// <summary>
    /// A user's socket: $XDG_RUNTIME_DIR/pullcluster/pullcluster.sock, else (no runtime directory, as under
    /// cron or sudo) run/pullcluster.sock in the user's store.
    /// </summary>
    public static string ForUser(string? xdgRuntimeDir, string store) =>
        xdgRuntimeDir is { Length: > 0 } runtime && Path.IsPathRooted(runtime)
            ? Path.Combine(runtime, "pullcluster", FileName)
            : Path.Combine(store, "run", FileName);

    /// <summary>The kernel's limit for a socket path (sun_path is 108 bytes with its terminating zero).</summary>
    public const int MaxPathBytes = 107;

    public static string? CheckLength(string path) =>
        System.Text.Encoding.UTF8.GetByteCount(path) > MaxPathBytes
            ? $"the socket path {path} is longer than the {MaxPathBytes} bytes a unix socket allows; choose a shorter one with --socket"
            : null;
}
