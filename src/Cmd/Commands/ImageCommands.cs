using PullCluster.Cmd.NodeControl;
using PullCluster.Cmd.Output;
using PullCluster.Cmd.Parsing;
using PullCluster.Core.Gateway;

namespace PullCluster.Cmd.Commands;

public static class ImageCommands
{
    public static int List(CliArguments args, NodeConnection node, TextWriter stdout)
    {
        var reply = node.Send(new GatewayRequest(GatewayOps.ListImages, Platform: args.Platform), "image list", GatewayKinds.Images);
        var images = reply.Images ?? [];
        if (args.Json)
            stdout.WriteLine(GatewayCodec.EncodeImages(images));
        else if (args.Quiet)
            // One line per reference, however many platforms it was pulled for: the lines feed 'image rm'.
            foreach (var image in images.Select(i => i.Image).Distinct()) stdout.WriteLine(image);
        else
            ImageTable.Write(stdout, images, DateTimeOffset.Now);
        return 0;
    }

    /// <summary>
    /// Like docker rmi: every image is tried, and each failure is reported on its own line. Without --platform each
    /// reference goes for every platform it was pulled for; with it, only that platform's record.
    /// </summary>
    public static int Remove(CliArguments args, NodeConnection node, TextWriter stdout, TextWriter stderr)
    {
        var exitCode = 0;
        foreach (var image in args.Operands)
        {
            try
            {
                var reply = node.Send(new GatewayRequest(GatewayOps.RemoveImage, image, args.Platform), $"removal of {image}", GatewayKinds.Ok);
                stdout.WriteLine(reply.Message is { Length: > 0 } message ? message : $"Deleted: {image}");
            }
            catch (CliFailure e)
            {
                stdout.Flush();
                stderr.WriteLine($"pullcluster: {e.Message}");
                exitCode = 1;
            }
        }
        return exitCode;
    }

    public static int Rootfs(CliArguments args, NodeConnection node, TextWriter stdout) =>
        WriteToDir(args, node, stdout, GatewayOps.Rootfs, "root filesystem");

    public static int Export(CliArguments args, NodeConnection node, TextWriter stdout) =>
        WriteToDir(args, node, stdout, GatewayOps.Export, "OCI image layout");

    /// <summary>
    /// The node streams the content and this process writes it, with the rights of whoever runs it, as docker cp and
    /// docker save do: the node (root) never writes where a caller points it.
    /// </summary>
    private static int WriteToDir(CliArguments args, NodeConnection node, TextWriter stdout, string op, string what)
    {
        var (image, dir) = (args.Operands[0], args.Operands[1]);
        var output = OutputDirectory.Prepare(dir);
        try
        {
            node.Receive(new GatewayRequest(op, image, args.Platform), $"{op} of {image}", output.Extract);
        }
        catch
        {
            output.Discard();
            throw;
        }
        stdout.WriteLine($"wrote the {what} of {image} to {output.Path}");
        return 0;
    }
}
