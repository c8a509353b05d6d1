using PullCluster.Cmd.Connection;
using CorePlatform = PullCluster.Core.Formats.Platform;

namespace PullCluster.Cmd.Parsing;

/// <summary>
/// Hand-written because the CLI is started twenty at a time on small build machines: a parser library would
/// cost more start-up than the whole round trip to the node. Options may stand anywhere on the line, as
/// docker's do; "--" ends option parsing.
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
        public readonly List<string> CommandOptions = [];
    }

    public static CliArguments Parse(IReadOnlyList<string> args, CliEnvironment env)
    {
        var options = new Options();
        var words = new List<string>();
        ReadTokens(args, options, words);

        var (command, operands, topic) = options.Version && !options.Help
            ? (CommandKind.Version, [], "version")
            : ResolveCommand(words, options);
        if (command is not CommandKind.Help)
        {
            CheckOptionsApply(command, topic, options);
            operands = CheckOperands(command, topic, operands, env);
        }

        var store = command is CommandKind.Help or CommandKind.Version ? "" : ResolveStore(options.Store, env);
        return new CliArguments(
            command,
            operands,
            ResolveEndpoint(options, env, store),
            store,
            options.Platform is null ? null : NormalizePlatform(options.Platform),
            options.Json,
            options.Quiet,
            command == CommandKind.Help ? topic : "",
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
                case "--platform":
                    options.Platform = Value(args, ref i, name, inline);
                    options.CommandOptions.Add(name);
                    break;
                case "--json": options.Json = Flag(name, inline); options.CommandOptions.Add(name); break;
                case "--quiet" or "-q": options.Quiet = Flag(name, inline); options.CommandOptions.Add("--quiet"); break;
                case "--help" or "-h": options.Help = Flag(name, inline); break;
                case "--version": options.Version = Flag(name, inline); break;
                default: throw new UsageException($"unknown option '{name}' (see 'pullcluster --help')");
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

    private static (CommandKind, IReadOnlyList<string>, string) ResolveCommand(List<string> words, Options options)
    {
        if (words.Count == 0) return (CommandKind.Help, [], "");
        var rest = words.Skip(1).ToList();
        switch (words[0])
        {
            case "help":
                return (CommandKind.Help, [], HelpTopic(rest));
            case "version":
                return WithHelp(CommandKind.Version, rest, "version", options);
            case "pull":
                return WithHelp(CommandKind.Pull, rest, "pull", options);
            case "images":
                return WithHelp(CommandKind.ImageList, rest, "image ls", options);
            case "image":
                return ResolveSub(rest, options, "image", "ls, rm, rootfs, export", sub => sub switch
                {
                    "ls" or "list" => (CommandKind.ImageList, "image ls"),
                    "rm" or "remove" => (CommandKind.ImageRemove, "image rm"),
                    "rootfs" => (CommandKind.ImageRootfs, "image rootfs"),
                    "export" => (CommandKind.ImageExport, "image export"),
                    _ => null,
                });
            case "node":
                return ResolveSub(rest, options, "node", "start, stop, status", sub => sub switch
                {
                    "start" => (CommandKind.NodeStart, "node start"),
                    "stop" => (CommandKind.NodeStop, "node stop"),
                    "status" => (CommandKind.NodeStatus, "node status"),
                    _ => null,
                });
            default:
                if (options.Help) return (CommandKind.Help, [], "");
                throw new UsageException($"unknown command '{words[0]}' (see 'pullcluster --help')");
        }
    }

    private static (CommandKind, IReadOnlyList<string>, string) ResolveSub(
        List<string> rest, Options options, string group, string choices, Func<string, (CommandKind, string)?> pick)
    {
        if (rest.Count == 0)
        {
            if (options.Help) return (CommandKind.Help, [], group);
            throw new UsageException($"'{group}' needs a subcommand: {choices} (see 'pullcluster {group} --help')");
        }
        var picked = pick(rest[0])
            ?? throw new UsageException($"unknown command '{group} {rest[0]}'; '{group}' takes {choices}");
        return WithHelp(picked.Item1, rest.Skip(1).ToList(), picked.Item2, options);
    }

    private static (CommandKind, IReadOnlyList<string>, string) WithHelp(
        CommandKind command, IReadOnlyList<string> operands, string topic, Options options) =>
        options.Help ? (CommandKind.Help, [], topic) : (command, operands, topic);

    private static string HelpTopic(List<string> words)
    {
        var topic = string.Join(' ', words);
        return topic switch
        {
            "images" or "image list" => "image ls",
            "image remove" => "image rm",
            _ when Usage.HasTopic(topic) => topic,
            _ => throw new UsageException($"no help for '{topic}' (see 'pullcluster --help')"),
        };
    }

    private static void CheckOptionsApply(CommandKind command, string topic, Options options)
    {
        string[] allowed = command switch
        {
            CommandKind.Pull => ["--platform", "--json", "--quiet"],
            CommandKind.ImageList => ["--platform", "--json", "--quiet"],
            CommandKind.ImageRemove or CommandKind.ImageRootfs or CommandKind.ImageExport => ["--platform"],
            _ => [],
        };
        foreach (var option in options.CommandOptions)
            if (!allowed.Contains(option))
                throw new UsageException($"'{topic}' does not take {option} (see 'pullcluster {topic} --help')");
    }

    private static IReadOnlyList<string> CheckOperands(
        CommandKind command, string topic, IReadOnlyList<string> operands, CliEnvironment env)
    {
        switch (command)
        {
            case CommandKind.Pull:
                Exactly(topic, operands, "IMAGE");
                return operands;
            case CommandKind.ImageRemove:
                if (operands.Count == 0) throw new UsageException($"'{topic}' needs at least one IMAGE");
                return operands;
            case CommandKind.ImageRootfs or CommandKind.ImageExport:
                Exactly(topic, operands, "IMAGE", "DIR");
                // Resolved once, so that every message names the directory that was written.
                return [operands[0], Path.GetFullPath(operands[1], env.CurrentDirectory)];
            default:
                if (operands.Count > 0)
                    throw new UsageException($"'{topic}' takes no arguments, got '{string.Join(' ', operands)}'");
                return operands;
        }
    }

    private static void Exactly(string topic, IReadOnlyList<string> operands, params string[] names)
    {
        if (operands.Count < names.Length)
            throw new UsageException($"'{topic}' needs {string.Join(' ', names)}: missing {names[operands.Count]}");
        if (operands.Count > names.Length)
            throw new UsageException(
                $"'{topic}' takes {string.Join(' ', names)}, got unexpected '{string.Join(' ', operands.Skip(names.Length))}'");
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
