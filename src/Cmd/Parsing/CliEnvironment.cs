using PullCluster.Core.Gateway;

namespace PullCluster.Cmd.Parsing;

/// <summary>What the command line is resolved against, passed in so that parsing stays a pure function.</summary>
/// <param name="IsRoot">The CLI runs as root, whose node is the host's, on /run/pullcluster/pullcluster.sock.</param>
/// <param name="PathExists">Whether anything (a socket counts) is at a path.</param>
public sealed record CliEnvironment(Func<string, string?> Variable, string CurrentDirectory, bool IsRoot, Func<string, bool> PathExists)
{
    public const string SocketVariable = "PULLCLUSTER_SOCKET";
    public const string NodeVariable = "PULLCLUSTER_NODE";
    public const string TokenFileVariable = "PULLCLUSTER_TOKEN_FILE";
    public const string StoreVariable = "PULLCLUSTER_STORE";
    public const string NodeBinaryVariable = "PULLCLUSTER_NODE_BIN";

    public static CliEnvironment FromProcess() =>
        new(Environment.GetEnvironmentVariable, Environment.CurrentDirectory, Environment.IsPrivilegedProcess, Path.Exists);

    /// <summary>An empty variable counts as unset, as shells make it easy to export one by accident.</summary>
    public string? Get(string name) => Variable(name) is { Length: > 0 } value ? value : null;

    /// <summary>$XDG_DATA_HOME/pullcluster, else ~/.local/share/pullcluster (XDG base directory rules).</summary>
    public string DefaultStore()
    {
        if (Get("XDG_DATA_HOME") is { } xdg && Path.IsPathRooted(xdg))
            return Path.Combine(xdg, "pullcluster");
        var home = Get("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home))
            throw new UsageException($"cannot choose a store: neither HOME nor XDG_DATA_HOME is set; pass --store DIR or set {StoreVariable}");
        return Path.Combine(home, ".local", "share", "pullcluster");
    }

    /// <summary>
    /// The host's root node when this is root or when its socket exists, as a user of docker reaches the host's
    /// daemon; else the user's own node in $XDG_RUNTIME_DIR (or, without one, in the store).
    /// </summary>
    public string DefaultSocket(string store) =>
        IsRoot || PathExists(SocketPaths.Root) ? SocketPaths.Root : SocketPaths.ForUser(Get("XDG_RUNTIME_DIR"), store);
}
