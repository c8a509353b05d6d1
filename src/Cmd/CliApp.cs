using System.Diagnostics;
using System.Reflection;
using PullCluster.Cmd.Commands;
using PullCluster.Cmd.Connection;
using PullCluster.Cmd.NodeControl;
using PullCluster.Cmd.Parsing;

namespace PullCluster.Cmd;

/// <summary>Runs one command line; every failure ends as one "pullcluster: ..." line on stderr.</summary>
public static class CliApp
{
    public const int Failed = 1;
    public const int BadUsage = 2;

    public static int Run(
        IReadOnlyList<string> argv, CliEnvironment env, TextWriter stdout, TextWriter stderr, OutputTarget target)
    {
        try
        {
            var args = ArgumentParser.Parse(argv, env);
            return Dispatch(args, env, stdout, stderr, target);
        }
        catch (UsageException e)
        {
            return Report(e.Message, BadUsage, stdout, stderr);
        }
        catch (CliFailure e)
        {
            return Report(e.Message, Failed, stdout, stderr);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Report(e.Message, Failed, stdout, stderr);
        }
        finally
        {
            FlushQuietly(stdout);
        }
    }

    private static int Dispatch(
        CliArguments args, CliEnvironment env, TextWriter stdout, TextWriter stderr, OutputTarget target)
    {
        if (args.Command == CommandKind.Help) return Print(stdout, Usage.For(args.HelpTopic));
        if (args.Command == CommandKind.Version) return Print(stdout, $"pullcluster {Version}");
        var token = args.Node is NodeAddress && args.TokenFile is { } file ? AdminTokenFile.Read(file) : null;
        var node = new NodeConnection(args.Node, token, args.Store, env, stderr);
        return args.Command switch
        {
            CommandKind.Pull => PullCommand.Run(args, node, stdout, target),
            CommandKind.ImageList => ImageCommands.List(args, node, stdout),
            CommandKind.ImageRemove => ImageCommands.Remove(args, node, stdout, stderr),
            CommandKind.ImageRootfs => ImageCommands.Rootfs(args, node, stdout),
            CommandKind.ImageExport => ImageCommands.Export(args, node, stdout),
            CommandKind.NodeStart => NodeCommands.Start(args, env, stdout, stderr),
            CommandKind.NodeStop => NodeCommands.Stop(args, stdout),
            CommandKind.NodeStatus => NodeCommands.Status(args, token, stdout),
            _ => throw new UnreachableException($"command {args.Command} has no handler"),
        };
    }

    private static int Print(TextWriter stdout, string text)
    {
        stdout.WriteLine(text);
        return 0;
    }

    private static string Version =>
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(CliApp).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    private static int Report(string message, int exitCode, TextWriter stdout, TextWriter stderr)
    {
        FlushQuietly(stdout);
        stderr.WriteLine($"pullcluster: {message}");
        return exitCode;
    }

    /// <summary>A closed stdout (pullcluster image ls | head -1) must not turn success into a crash.</summary>
    private static void FlushQuietly(TextWriter stdout)
    {
        try
        {
            stdout.Flush();
        }
        catch (IOException)
        {
        }
    }
}
