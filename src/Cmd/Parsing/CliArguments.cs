using PullCluster.Cmd.Commands;
using PullCluster.Cmd.Connection;

namespace PullCluster.Cmd.Parsing;

/// <summary>One command line, resolved: environment fallbacks applied and paths made absolute.</summary>
/// <param name="Operands">IMAGE / DIR words after the command; DIR operands are absolute.</param>
/// <param name="Node">The node's unix socket, or its TCP address when --node / PULLCLUSTER_NODE asks for one.</param>
/// <param name="TokenFile">The admin token's file for TCP requests (absolute), or null.</param>
/// <param name="HelpTopic">For <see cref="CommandTable.Help"/>: "" for the overview, else e.g. "pull" or "image ls".</param>
public sealed record CliArguments(
    CliCommand Command,
    IReadOnlyList<string> Operands,
    NodeEndpoint Node,
    string Store,
    string? Platform = null,
    bool Json = false,
    bool Quiet = false,
    string HelpTopic = "",
    string? TokenFile = null);
