using System.Runtime.Versioning;

namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// The real CLI (<c>dotnet pullcluster.dll</c> from the test output, the same program ./pullcluster publishes
/// natively) as a process of its own, optionally as another user (<see cref="RunAs"/>). The PULLCLUSTER_*
/// variables of the test host are blanked, so that only the given arguments and variables choose the node.
/// </summary>
[SupportedOSPlatform("linux")]
public static class CliProcess
{
    public const string BinaryName = "pullcluster.dll";

    public static string BinaryPath => Path.Combine(AppContext.BaseDirectory, BinaryName);

    private static readonly string[] Blanked =
        ["PULLCLUSTER_SOCKET", "PULLCLUSTER_NODE", "PULLCLUSTER_TOKEN_FILE", "PULLCLUSTER_STORE", "PULLCLUSTER_NODE_BIN", "XDG_RUNTIME_DIR"];

    /// <param name="home">HOME for the CLI (and the dotnet host); another user cannot use root's.</param>
    public static Task<ProcResult> RunAsync(
        RunAs? user, string home, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var variables = new Dictionary<string, string?> { ["HOME"] = home, ["DOTNET_CLI_HOME"] = home, ["DOTNET_NOLOGO"] = "1" };
        foreach (var name in Blanked) variables[name] = "";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) variables[name] = value;
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var argv = new[] { BinaryPath }.Concat(args).ToList();
        return user is null
            ? Proc.RunAsync(dotnet, argv, timeout ?? TimeSpan.FromMinutes(2), workingDirectory: "/", environment: variables)
            : user.RunAsync(dotnet, argv, variables, timeout ?? TimeSpan.FromMinutes(2));
    }
}
