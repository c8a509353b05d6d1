using PullCluster.Cmd.Parsing;
using PullCluster.Core.Gateway;

namespace PullCluster.Cmd.Commands;

/// <summary>
/// One CLI command as <see cref="CommandTable"/> lists it: its grammar and help (read by the parser and by
/// <see cref="Usage"/>), and what it does (<see cref="Run"/>, with the gateway exchange in <see cref="Call"/>).
/// </summary>
/// <param name="palette">The group word before the name ("image", "node"), or "" for a top-level command.</param>
/// <param name="summary">One line for the command lists of the overview and of its palette.</param>
/// <param name="description">The paragraph of its own help.</param>
/// <param name="run">How it runs: one of the <see cref="Exchanges"/> for a gateway request, or local code.</param>
/// <remarks>A class, not a record: a command is the one entry of the table, compared by identity.</remarks>
public sealed class CliCommand(string palette, string name, string summary, string description, Func<CommandRun, int> run)
{
    public string Palette => palette;
    public string Name => name;
    public string Summary => summary;
    public string Description => description;
    public Func<CommandRun, int> Run => run;

    public Operand[] Operands { get; init; } = [];
    public OptionUse[] Options { get; init; } = [];

    /// <summary>Other spellings of the whole path: "images" for "image ls", "image list".</summary>
    public string[] Aliases { get; init; } = [];

    /// <summary>Needs neither the node nor the store (help, version): no store is resolved, no token read.</summary>
    public bool Offline { get; init; }

    public GatewayCall? Call { get; init; }

    public string Path => Palette.Length == 0 ? Name : $"{Palette} {Name}";

    public bool Takes(CommandOption option) => Options.Any(o => o.Option == option);

    public override string ToString() => Path;
}

/// <param name="Many">Takes one or more words (IMAGE...); only the last operand may.</param>
/// <param name="Optional">May be left out ([COMMAND]); only the last operand may.</param>
/// <param name="Directory">Made absolute against the current directory when parsed, so that every message
/// names the directory that was written.</param>
public sealed record Operand(string Name, bool Many = false, bool Directory = false, bool Optional = false)
{
    public override string ToString() => Optional ? $"[{Name}]" : Many ? $"{Name}..." : Name;
}

/// <summary>An option a command takes, with what it means for that command.</summary>
/// <param name="Help">Its help text; a "\n" continues it on the next line, under the first.</param>
public sealed record OptionUse(CommandOption Option, string Help);

/// <summary>The options a command may take (global ones, like --node, are the parser's own).</summary>
/// <param name="Value">The value's placeholder, or null for a flag.</param>
public sealed record CommandOption(string Name, string? Short = null, string? Value = null)
{
    public static readonly CommandOption Platform = new("--platform", Value: "OS/ARCH[/VARIANT]");
    public static readonly CommandOption Json = new("--json");
    public static readonly CommandOption Quiet = new("--quiet", Short: "-q");

    public static readonly CommandOption[] All = [Platform, Json, Quiet];

    public static CommandOption? Find(string name) => Array.Find(All, o => o.Name == name || o.Short == name);

    public string Label => (Short is null ? "" : $"{Short}, ") + Name + (Value is null ? "" : $" {Value}");
}

/// <summary>Writes a command's output for one target (an IMAGE operand, or "" for none) from the node's final reply.</summary>
public delegate void Render(CommandRun run, string target, GatewayReply reply);

/// <summary>A command's gateway exchange: the request per target, the final reply kind, and its renderings.</summary>
/// <param name="Activity">Names the exchange in failure messages ("removal of alpine").</param>
/// <param name="Human">The default output; <see cref="Json"/> and <see cref="Quiet"/> replace it when asked for.</param>
public sealed record GatewayCall(
    Func<CliArguments, string, GatewayRequest> Request, Func<string, string> Activity, string Reply, Render Human)
{
    public Render? Json { get; init; }
    public Render? Quiet { get; init; }

    public Render RenderFor(CliArguments args) =>
        args.Json && Json is not null ? Json : args.Quiet && Quiet is not null ? Quiet : Human;
}
