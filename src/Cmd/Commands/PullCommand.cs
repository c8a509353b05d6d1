using PullCluster.Cmd.NodeControl;
using PullCluster.Cmd.Output;
using PullCluster.Cmd.Parsing;
using PullCluster.Core.Gateway;

namespace PullCluster.Cmd.Commands;

public static class PullCommand
{
    public static int Run(CliArguments args, NodeConnection node, TextWriter stdout, OutputTarget target)
    {
        var image = args.Operands[0];
        IProgressView view = args.Json || args.Quiet
            ? new SilentProgressView()
            : target.IsTerminal
                ? new TerminalProgressView(stdout, target.Width())
                : new PlainProgressView(stdout);

        var reply = node.Send(new GatewayRequest(GatewayOps.Pull, image, args.Platform), "pull", GatewayKinds.Result, view.Show);
        view.Finish();
        var result = reply.Result ?? throw new CliFailure($"node {args.Node} answered the pull of {image} without a result");

        if (args.Json) stdout.WriteLine(GatewayCodec.EncodeResult(result));
        else if (args.Quiet) stdout.WriteLine(result.Image);
        else PullSummary.Write(stdout, result);
        return 0;
    }
}
