using PullCluster.Cmd.Connection;
using PullCluster.Cmd.NodeControl;

namespace PullCluster.Cmd.Commands;

/// <summary>The commands that run on this machine instead of asking the node.</summary>
public static class NodeCommands
{
    public static int Start(CommandRun run)
    {
        var args = run.Args;
        if (args.Node is not UnixSocketEndpoint socket)
            throw new CliFailure(
                $"'node start' starts a node on a unix socket (--socket PATH); a TCP node ({args.Node}) is started where it runs, with pullcluster-node --node HOST:PORT --token-file FILE");
        if (!new NodeLauncher(socket, args.Store, run.Env, run.Stderr).EnsureRunning())
            run.Stdout.WriteLine($"node at {args.Node} is already running");
        return 0;
    }

    public static int Stop(CommandRun run)
    {
        var args = run.Args;
        run.Stdout.WriteLine(NodeStopper.Stop(args.Node, args.Store) is { } pid
            ? $"stopped node at {args.Node} (pid {pid}, store {args.Store})"
            : $"no node started by pullcluster for store {args.Store} is running");
        return 0;
    }
}
