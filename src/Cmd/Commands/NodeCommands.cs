using PullCluster.Cmd.Connection;
using PullCluster.Cmd.NodeControl;
using PullCluster.Cmd.Parsing;
using PullCluster.Core.Gateway;

namespace PullCluster.Cmd.Commands;

public static class NodeCommands
{
    public static int Start(CliArguments args, CliEnvironment env, TextWriter stdout, TextWriter stderr)
    {
        if (args.Node is not UnixSocketEndpoint socket)
            throw new CliFailure(
                $"'node start' starts a node on a unix socket (--socket PATH); a TCP node ({args.Node}) is started where it runs, with pullcluster-node --node HOST:PORT --token-file FILE");
        if (!new NodeLauncher(socket, args.Store, env, stderr).EnsureRunning())
            stdout.WriteLine($"node at {args.Node} is already running");
        return 0;
    }

    public static int Stop(CliArguments args, TextWriter stdout)
    {
        stdout.WriteLine(NodeStopper.Stop(args.Node, args.Store) is { } pid
            ? $"stopped node at {args.Node} (pid {pid}, store {args.Store})"
            : $"no node started by pullcluster for store {args.Store} is running");
        return 0;
    }

    public static int Status(CliArguments args, string? token, TextWriter stdout)
    {
        new GatewayClient(args.Node, token, TimeSpan.FromSeconds(5)).Send(new GatewayRequest(GatewayOps.Ping), "ping", GatewayKinds.Ok);
        stdout.WriteLine($"node at {args.Node} is running");
        return 0;
    }
}
