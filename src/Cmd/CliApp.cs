using System.Reflection;
using PullCluster.Cmd.Commands;
using PullCluster.Cmd.Connection;
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

    /// <summary>The command's table entry runs it; only a command that reaches the node reads the admin token.</summary>
    private static int Dispatch(
        CliArguments args, CliEnvironment env, TextWriter stdout, TextWriter stderr, OutputTarget target)
    {
        var token = !args.Command.Offline && args.Node is NodeAddress && args.TokenFile is { } file
            ? AdminTokenFile.Read(file)
            : null;
        return args.Command.Run(new CommandRun(args, token, env, stdout, stderr, target));
    }

    public static string Version =>
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
