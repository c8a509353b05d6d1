using PullCluster.Cmd.Connection;
using PullCluster.Cmd.Output;
using PullCluster.Core.Gateway;

namespace PullCluster.Cmd.Commands;

/// <summary>
/// The ways a command's <see cref="GatewayCall"/> travels to the node and back; a table entry picks one as its Run.
/// Each sends the entry's request, expects its reply kind and renders the reply as the command line asks.
/// </summary>
public static class Exchanges
{
    /// <summary>One request, one reply, starting a local node when none answers.</summary>
    public static int Once(CommandRun run)
    {
        var call = run.Call;
        var reply = run.Node.Send(call.Request(run.Args, ""), call.Activity(""), call.Reply);
        call.RenderFor(run.Args)(run, "", reply);
        return 0;
    }

    /// <summary>
    /// One request per operand, like docker rmi: every one is tried, and each failure is reported on its own line.
    /// </summary>
    public static int EachOperand(CommandRun run)
    {
        var (call, exitCode) = (run.Call, 0);
        foreach (var target in run.Args.Operands)
        {
            try
            {
                var reply = run.Node.Send(call.Request(run.Args, target), call.Activity(target), call.Reply);
                call.RenderFor(run.Args)(run, target, reply);
            }
            catch (CliFailure e)
            {
                run.Stdout.Flush();
                run.Stderr.WriteLine($"pullcluster: {e.Message}");
                exitCode = CliApp.Failed;
            }
        }
        return exitCode;
    }

    /// <summary>A request on the first operand that the node answers with progress until its final reply.</summary>
    public static int WithProgress(CommandRun run)
    {
        var (call, target) = (run.Call, run.Args.Operands[0]);
        IProgressView view = run.Args.Json || run.Args.Quiet
            ? new SilentProgressView()
            : run.Target.IsTerminal
                ? new TerminalProgressView(run.Stdout, run.Target.Width())
                : new PlainProgressView(run.Stdout);
        var reply = run.Node.Send(call.Request(run.Args, target), call.Activity(target), call.Reply, view.Show);
        view.Finish();
        call.RenderFor(run.Args)(run, target, reply);
        return 0;
    }

    /// <summary>
    /// IMAGE DIR: the node streams the content and this process writes it into DIR, with the rights of whoever runs
    /// it, as docker cp and docker save do: the node (root) never writes where a caller points it.
    /// </summary>
    public static int IntoDirectory(CommandRun run)
    {
        var (call, image, dir) = (run.Call, run.Args.Operands[0], run.Args.Operands[1]);
        var output = OutputDirectory.Prepare(dir);
        GatewayReply reply;
        try
        {
            reply = run.Node.Receive(call.Request(run.Args, image), call.Activity(image), output.Extract);
        }
        catch
        {
            output.Discard();
            throw;
        }
        run.Written = output.Path;
        call.RenderFor(run.Args)(run, image, reply);
        return 0;
    }

    /// <summary>One request with a short timeout, to a node that must already run: asking never starts one.</summary>
    public static int Probe(CommandRun run)
    {
        var call = run.Call;
        var reply = new GatewayClient(run.Args.Node, run.Token, TimeSpan.FromSeconds(5))
            .Send(call.Request(run.Args, ""), call.Activity(""), call.Reply);
        call.RenderFor(run.Args)(run, "", reply);
        return 0;
    }
}
