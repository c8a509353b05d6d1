using PullCluster.Cmd.Connection;

namespace PullCluster.Cmd.Parsing;

/// <summary>One command line, resolved: environment fallbacks applied and paths made absolute.</summary>
/// <param name="Operands">IMAGE / DIR words after the command; DIR operands are absolute.</param>
/// <param name="HelpTopic">For <see cref="CommandKind.Help"/>: "" for the overview, else e.g. "pull" or "image ls".</param>
public sealed record CliArguments(
    CommandKind Command,
    IReadOnlyList<string> Operands,
    NodeAddress Node,
    string Store,
    string? Platform = null,
    bool Json = false,
    bool Quiet = false,
    string HelpTopic = "");
