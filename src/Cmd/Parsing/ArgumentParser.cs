using PullCluster.Cmd.Commands;
using PullCluster.Cmd.Connection;
using CorePlatform = PullCluster.Core.Formats.Platform;

namespace PullCluster.Cmd.Parsing;

/// <summary>
/// Hand-written because the CLI is started twenty at a time on small build machines: a parser library would
/// cost more start-up than the whole round trip to the node. Options may stand anywhere on the line, as
/// docker's do; "--" ends option parsing. The commands, their operands and their options are
/// <see cref="CommandTable"/>'s; the global options (where the node is, which store) are this parser's own.
/// </summary>
public static class ArgumentParser
{
    private sealed class Options
    {
        public string? Socket;
        public string? Node;
        public string? TokenFile;
        public string? Store;
        public string? Platform;
        public bool Json;
        public bool Quiet;
        public bool Help;
        public bool Version;
        public readonly List<CommandOption> CommandOptions = [];

        public void Set(CommandOption option, string? value)
        {
            if (option == CommandOption.Platform) Platform = value;
            else if (option == CommandOption.Json) Json = true;
            else if (option == CommandOption.Quiet) Quiet = true;
            CommandOptions.Add(option);
        }
    }

    public static CliArguments Parse(IReadOnlyList<string> args, CliEnvironment env)
    {
        var options = new Options();
        var words = new List<string>();
        ReadTokens(args, options, words);

        var (command, operands, topic) = options.Version && !options.Help
            ? (CommandTable.Version, [], CommandTable.Version.Path)
            : ResolveCommand(words, options);
        if (command != CommandTable.Help)
        {
            CheckOptionsApply(command, options);
            operands = CheckOperands(command, operands, env);
        }

        var store = command.Offline ? "" : ResolveStore(options.Store, env);
        return new CliArguments(
            command,
            operands,
            ResolveEndpoint(options, env, store),
            store,
            options.Platform is null ? null : NormalizePlatform(options.Platform),
            options.Json,
            options.Quiet,
            command == CommandTable.Help ? topic : "",
            (options.TokenFile ?? env.Get(CliEnvironment.TokenFileVariable)) is { } tokenFile
                ? Path.GetFullPath(tokenFile, env.CurrentDirectory)
                : null);
    }

    private static void ReadTokens(IReadOnlyList<string> args, Options options, List<string> words)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i];
            if (token == "--")
            {
                words.AddRange(args.Skip(i + 1));
                return;
            }
            if (token.Length < 2 || token[0] != '-')
            {
                words.Add(token);
                continue;
            }

            var equals = token.IndexOf('=');
            var name = equals > 0 ? token[..equals] : token;
            var inline = equals > 0 ? token[(equals + 1)..] : null;
            switch (name)
            {
                case "--socket": options.Socket = Value(args, ref i, name, inline); break;
                case "--node": options.Node = Value(args, ref i, name, inline); break;
                case "--token-file": options.TokenFile = Value(args, ref i, name, inline); break;
                case "--store": options.Store = Value(args, ref i, name, inline); break;
                case "--help" or "-h": options.Help = Flag(name, inline); break;
                case "--version": options.Version = Flag(name, inline); break;
                default:
                    var option = CommandOption.Find(name)
                        ?? throw new UsageException($"unknown option '{name}' (see 'pullcluster --help')");
                    if (option.Value is not null) options.Set(option, Value(args, ref i, name, inline));
                    else if (Flag(name, inline)) options.Set(option, null);
                    break;
            }
        }
    }

    private static string Value(IReadOnlyList<string> args, ref int i, string name, string? inline)
    {
        if (inline is not null)
            return inline.Length > 0 ? inline : throw new UsageException($"option '{name}' needs a value");
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            throw new UsageException($"option '{name}' needs a value");
        return args[++i];
    }

    private static bool Flag(string name, string? inline) =>
        inline is null ? true : throw new UsageException($"option '{name}' takes no value");

    private static (CliCommand, IReadOnlyList<string>, string) ResolveCommand(List<string> words, Options options)
    {
        if (words.Count == 0) return (CommandTable.Help, [], "");
        var rest = words.Skip(1).ToList();
        if (words[0] == CommandTable.Help.Name) return (CommandTable.Help, [], HelpTopic(rest));
        if (CommandTable.Palettes.Contains(words[0])) return ResolveInPalette(words[0], rest, options);
        // One word only: "image ls" quoted as one argument is no command, as it never was.
        if (!words[0].Contains(' ') && CommandTable.Find(words[0]) is { } command) return WithHelp(command, rest, options);
        if (options.Help) return (CommandTable.Help, [], "");
        throw new UsageException($"unknown command '{words[0]}' (see 'pullcluster --help')");
    }

    private static (CliCommand, IReadOnlyList<string>, string) ResolveInPalette(string palette, List<string> rest, Options options)
    {
        var choices = string.Join(", ", CommandTable.All.Where(c => c.Palette == palette).Select(c => c.Name));
        if (rest.Count == 0)
        {
            if (options.Help) return (CommandTable.Help, [], palette);
            throw new UsageException($"'{palette}' needs a subcommand: {choices} (see 'pullcluster {palette} --help')");
        }
        var command = CommandTable.Find($"{palette} {rest[0]}") is { Palette: var p } found && p == palette
            ? found
            : throw new UsageException($"unknown command '{palette} {rest[0]}'; '{palette}' takes {choices}");
        return WithHelp(command, rest.Skip(1).ToList(), options);
    }

    private static (CliCommand, IReadOnlyList<string>, string) WithHelp(
        CliCommand command, IReadOnlyList<string> operands, Options options) =>
        options.Help ? (CommandTable.Help, [], command.Path) : (command, operands, command.Path);

    /// <summary>An alias asks for the help of the command it names: 'help images' is 'help image ls'.</summary>
    private static string HelpTopic(List<string> words)
    {
        var topic = string.Join(' ', words);
        if (CommandTable.Find(topic) is { } command) return command.Path;
        return Usage.HasTopic(topic) ? topic : throw new UsageException($"no help for '{topic}' (see 'pullcluster --help')");
    }

    private static void CheckOptionsApply(CliCommand command, Options options)
    {
        foreach (var option in options.CommandOptions)
            if (!command.Takes(option))
                throw new UsageException($"'{command.Path}' does not take {option.Name} (see 'pullcluster {command.Path} --help')");
    }

    /// <summary>Checks the words against the command's operands; DIR operands come back absolute.</summary>
    private static IReadOnlyList<string> CheckOperands(CliCommand command, IReadOnlyList<string> operands, CliEnvironment env)
    {
        var (topic, expected) = (command.Path, command.Operands);
        if (expected.Length == 0)
        {
            if (operands.Count > 0)
                throw new UsageException($"'{topic}' takes no arguments, got '{string.Join(' ', operands)}'");
            return operands;
        }
        var (last, required) = (expected[^1], expected.Count(o => !o.Many && !o.Optional));
        if (operands.Count < required)
            throw new UsageException(
                $"'{topic}' needs {string.Join(' ', expected.Select(o => o.Name))}: missing {expected[operands.Count].Name}");
        if (last.Many && operands.Count == required)
            throw new UsageException($"'{topic}' needs at least one {last.Name}");
        if (!last.Many && operands.Count > expected.Length)
            throw new UsageException(
                $"'{topic}' takes {string.Join(' ', expected.Select(o => o.ToString()))}, got unexpected '{string.Join(' ', operands.Skip(expected.Length))}'");
        // Resolved once, so that every message names the directory that was written.
        return operands
            .Select((word, i) => expected[Math.Min(i, expected.Length - 1)].Directory ? Path.GetFullPath(word, env.CurrentDirectory) : word)
            .ToList();
    }

    /// <summary>
    /// --socket or --node (not both), else PULLCLUSTER_SOCKET or PULLCLUSTER_NODE (not both), else the default
    /// socket: the unix socket unless TCP is asked for by name.
    /// </summary>
    private static NodeEndpoint ResolveEndpoint(Options options, CliEnvironment env, string store)
    {
        if (options.Socket is not null && options.Node is not null)
            throw new UsageException("--socket and --node exclude each other: a node is reached on its unix socket or over TCP");
        if (options.Socket is { } socket) return Socket(socket, env);
        if (options.Node is { } node) return Address(node, "--node");
        var (fromSocket, fromNode) = (env.Get(CliEnvironment.SocketVariable), env.Get(CliEnvironment.NodeVariable));
        if (fromSocket is not null && fromNode is not null)
            throw new UsageException(
                $"{CliEnvironment.SocketVariable} and {CliEnvironment.NodeVariable} are both set; unset one, or pass --socket or --node");
        if (fromSocket is not null) return Socket(fromSocket, env);
        if (fromNode is not null) return Address(fromNode, CliEnvironment.NodeVariable);
        return new UnixSocketEndpoint(env.DefaultSocket(store));
    }

    private static UnixSocketEndpoint Socket(string path, CliEnvironment env) =>
        new(Path.GetFullPath(path, env.CurrentDirectory));

    private static NodeAddress Address(string value, string source) =>
        NodeAddress.TryParse(value, out var address)
            ? address
            : throw new UsageException($"invalid node address '{value}' (from {source}): expected HOST:PORT");

    private static string ResolveStore(string? option, CliEnvironment env)
    {
        var store = option ?? env.Get(CliEnvironment.StoreVariable) ?? env.DefaultStore();
        return Path.GetFullPath(store, env.CurrentDirectory);
    }

    private static string NormalizePlatform(string value)
    {
        try
        {
            return CorePlatform.Parse(value).ToString();
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
