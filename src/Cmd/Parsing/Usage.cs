using System.Text;
using PullCluster.Cmd.Commands;

namespace PullCluster.Cmd.Parsing;

/// <summary>
/// The --help texts, written from <see cref="CommandTable"/> when asked for: "" is the overview, a palette word
/// ("image") lists its commands, a command's path ("image ls") is that command's help.
/// </summary>
public static class Usage
{
    private const string GlobalOptions = """
        Global options (anywhere on the line):
          --socket PATH      the node's unix socket (env PULLCLUSTER_SOCKET; default /run/pullcluster/pullcluster.sock
                             when it exists or for root, else $XDG_RUNTIME_DIR/pullcluster/pullcluster.sock)
          --node HOST:PORT   reach the node over TCP instead, for remote administration (env PULLCLUSTER_NODE);
                             needs the node's admin token
          --token-file FILE  the admin token for --node (env PULLCLUSTER_TOKEN_FILE)
          --store DIR        the node's store, used when a node is started on demand on the socket
                             (env PULLCLUSTER_STORE, default $XDG_DATA_HOME/pullcluster or ~/.local/share/pullcluster)
          -h, --help         show help
          --version          show the version
        """;

    private const string Overview = """
        Usage: pullcluster COMMAND [OPTIONS]

        Pulls container images through a PullCluster node, which fetches every blob once however many
        pulls ask for it. A node on this machine is started on demand when none answers on the socket.
        """;

    private const string ExitStatus = "Exit status: 0 on success, 1 when the command failed, 2 when the command line is wrong.";

    /// <summary>Where a command list's summaries start, and an option list's help.</summary>
    private const int SummaryColumn = 24;
    private const int OptionHelpColumn = 33;

    public static bool HasTopic(string topic) =>
        topic.Length == 0 || CommandTable.Palettes.Contains(topic) || CommandTable.All.Any(c => c.Path == topic);

    public static string For(string topic)
    {
        if (topic.Length == 0)
            return Join(Overview, Commands("Commands:", CommandTable.All, c => c.Path, ""), GlobalOptions, ExitStatus);
        if (CommandTable.Palettes.Contains(topic))
            return Join(
                $"Usage: pullcluster {topic} COMMAND",
                Commands("Commands:", CommandTable.All.Where(c => c.Palette == topic), c => c.Name, "pullcluster "),
                GlobalOptions);
        var command = CommandTable.All.FirstOrDefault(c => c.Path == topic)
            ?? throw new ArgumentException($"no help topic '{topic}'", nameof(topic));
        return Join(
            Synopses(command),
            command.Description,
            command.Options.Length == 0 ? "" : OptionList(command.Options),
            command.Offline ? "" : GlobalOptions);
    }

    private static string Synopses(CliCommand command)
    {
        var operands = string.Concat(command.Operands.Select(o => $" {o}"));
        var options = command.Options.Length == 0 ? "" : " [OPTIONS]";
        var text = new StringBuilder($"Usage: pullcluster {command.Path}{operands}{options}");
        foreach (var alias in command.Aliases.Where(a => !a.Contains(' ')))
            text.Append($"\n       pullcluster {alias}{operands}{options}");
        return text.ToString();
    }

    /// <summary>A command per line; a synopsis too long for the column puts its summary on the next line.</summary>
    private static string Commands(string title, IEnumerable<CliCommand> commands, Func<CliCommand, string> name, string aliasPrefix)
    {
        var text = new StringBuilder(title);
        foreach (var command in commands)
        {
            var synopsis = name(command) + string.Concat(command.Operands.Select(o => $" {o}"));
            var summary = command.Summary + string.Concat(
                command.Aliases.Where(a => !a.Contains(' ')).Select(a => $" (alias: {aliasPrefix}{a})"));
            text.Append("\n  ").Append(synopsis);
            text.Append(synopsis.Length <= SummaryColumn - 4
                ? new string(' ', SummaryColumn - 2 - synopsis.Length)
                : "\n" + new string(' ', SummaryColumn));
            text.Append(summary);
        }
        return text.ToString();
    }

    private static string OptionList(IEnumerable<OptionUse> options)
    {
        var text = new StringBuilder("Options:");
        foreach (var use in options)
        {
            var label = use.Option.Label;
            text.Append("\n  ").Append(label).Append(' ', OptionHelpColumn - 2 - label.Length);
            text.Append(use.Help.Replace("\n", "\n" + new string(' ', OptionHelpColumn)));
        }
        return text.ToString();
    }

    private static string Join(params string[] parts) => string.Join("\n\n", parts.Where(p => p.Length > 0));
}
