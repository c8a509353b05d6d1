using PullCluster.Cmd.Parsing;

namespace PullCluster.Cmd.NodeControl;

/// <summary>Where the node executable is: $PULLCLUSTER_NODE_BIN, else pullcluster-node beside this CLI.</summary>
public static class NodeBinary
{
    public const string FileName = "pullcluster-node";

    public static string Find(CliEnvironment env)
    {
        if (env.Get(CliEnvironment.NodeBinaryVariable) is { } configured)
        {
            var path = Path.GetFullPath(configured, env.CurrentDirectory);
            return File.Exists(path)
                ? path
                : throw new CliFailure($"cannot start a node: {CliEnvironment.NodeBinaryVariable}={configured} is not a file");
        }
        var beside = Path.Combine(AppContext.BaseDirectory, FileName);
        return File.Exists(beside)
            ? beside
            : throw new CliFailure(
                $"cannot start a node: {beside} does not exist (build src/Host into that folder, as ./pullcluster does, or set {CliEnvironment.NodeBinaryVariable})");
    }
}
