using PullCluster.Cmd.NodeControl;
using PullCluster.Cmd.Parsing;

namespace PullCluster.Cmd.Commands;

/// <summary>One run of a parsed command line: what a <see cref="CliCommand.Run"/> and its renderings need.</summary>
/// <param name="Token">The admin token for a node reached over TCP, or null.</param>
public sealed class CommandRun(
    CliArguments args, string? token, CliEnvironment env, TextWriter stdout, TextWriter stderr, OutputTarget target)
{
    private NodeConnection? node;

    public CliArguments Args => args;
    public CliCommand Command => args.Command;
    public string? Token => token;
    public CliEnvironment Env => env;
    public TextWriter Stdout => stdout;
    public TextWriter Stderr => stderr;
    public OutputTarget Target => target;

    /// <summary>Made on first use: local commands never reach the node this way.</summary>
    public NodeConnection Node => node ??= new NodeConnection(args.Node, token, args.Store, env, stderr);

    /// <summary>For a command that writes a directory: where it wrote, symlinks followed, once it has.</summary>
    public string? Written { get; set; }

    public GatewayCall Call =>
        Command.Call ?? throw new InvalidOperationException($"'{Command.Path}' has no gateway request in the command table");
}
