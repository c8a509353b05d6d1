using PullCluster.Cmd.Output;
using PullCluster.Cmd.Parsing;
using PullCluster.Core.Gateway;

namespace PullCluster.Cmd.Commands;

/// <summary>
/// Every CLI command, one entry each: the parser, the help text and the dispatch all read this table, so adding a
/// command is adding an entry here (and its handling on the node, for a new gateway op). Entries are built on the
/// first command line, a dozen small objects: no start-up work beyond that.
/// </summary>
public static class CommandTable
{
    private const string PlatformToRead =
        "the image pulled for that platform (default: this machine's,\nor the only platform the image was pulled for)";

    private static readonly Operand Image = new("IMAGE");
    private static readonly Operand Dir = new("DIR", Directory: true);

    public static readonly CliCommand Pull = new(
        "", "pull", "pull an image",
        "Pull an image, showing per-layer progress (one line per state change when output is not a terminal).",
        Exchanges.WithProgress)
    {
        Operands = [Image],
        Options =
        [
            new(CommandOption.Platform, "the platform to pull from a multi-platform image (default: this machine's)"),
            new(CommandOption.Json, "print no progress, only the result as one JSON object"),
            new(CommandOption.Quiet, "print no progress, only the image reference"),
        ],
        Call = new((args, image) => new GatewayRequest(GatewayOps.Pull, image, args.Platform), _ => "pull", GatewayKinds.Result,
            (run, image, reply) => PullSummary.Write(run.Stdout, PullResult(run, image, reply)))
        {
            Json = (run, image, reply) => run.Stdout.WriteLine(GatewayCodec.EncodeResult(PullResult(run, image, reply))),
            Quiet = (run, image, reply) => run.Stdout.WriteLine(PullResult(run, image, reply).Image),
        },
    };

    public static readonly CliCommand ImageList = new(
        "image", "ls", "list pulled images",
        "List pulled images, one line per platform an image was pulled for.",
        Exchanges.Once)
    {
        Aliases = ["images", "image list"],
        Options =
        [
            new(CommandOption.Platform, "list only the images pulled for that platform"),
            new(CommandOption.Json, "print the list as a JSON array"),
            new(CommandOption.Quiet, "print image references only, each once"),
        ],
        Call = new((args, _) => new GatewayRequest(GatewayOps.ListImages, Platform: args.Platform), _ => "image list", GatewayKinds.Images,
            (run, _, reply) => ImageTable.Write(run.Stdout, reply.Images ?? [], DateTimeOffset.Now))
        {
            Json = (run, _, reply) => run.Stdout.WriteLine(GatewayCodec.EncodeImages(reply.Images ?? [])),
            // One line per reference, however many platforms it was pulled for: the lines feed 'image rm'.
            Quiet = (run, _, reply) =>
            {
                foreach (var image in (reply.Images ?? []).Select(i => i.Image).Distinct()) run.Stdout.WriteLine(image);
            },
        },
    };

    /// <summary>Without --platform each reference goes for every platform it was pulled for, as docker rmi does.</summary>
    public static readonly CliCommand ImageRemove = new(
        "image", "rm", "remove images",
        """
        Remove images from the node's store; layers still used by other images stay. Without --platform
        an image is removed for every platform it was pulled for, as docker image rm removes it.
        """,
        Exchanges.EachOperand)
    {
        Aliases = ["image remove"],
        Operands = [new("IMAGE", Many: true)],
        Options = [new(CommandOption.Platform, "remove only the image pulled for that platform")],
        Call = new((args, image) => new GatewayRequest(GatewayOps.RemoveImage, image, args.Platform), image => $"removal of {image}", GatewayKinds.Ok,
            (run, image, reply) => run.Stdout.WriteLine(reply.Message is { Length: > 0 } message ? message : $"Deleted: {image}")),
    };

    public static readonly CliCommand ImageRootfs = new(
        "image", "rootfs", "write the image's flattened filesystem to DIR",
        """
        Write the image's flattened root filesystem to DIR, which must be missing (it is created) or
        empty. The node sends the files and pullcluster writes them with your rights: owners are kept
        only when you run it as root, and devices are skipped otherwise, as with tar -x.
        """,
        Exchanges.IntoDirectory)
    {
        Operands = [Image, Dir],
        Options = [new(CommandOption.Platform, PlatformToRead)],
        Call = WriteToDir(GatewayOps.Rootfs, "root filesystem"),
    };

    public static readonly CliCommand ImageExport = new(
        "image", "export", "write the image as an OCI image layout to DIR",
        """
        Write the image as an OCI image layout (oci-layout, index.json, blobs/) to DIR, which must be
        missing (it is created) or empty. pullcluster writes the files with your rights.
        """,
        Exchanges.IntoDirectory)
    {
        Operands = [Image, Dir],
        Options = [new(CommandOption.Platform, PlatformToRead)],
        Call = WriteToDir(GatewayOps.Export, "OCI image layout"),
    };

    public static readonly CliCommand NodeStart = new(
        "node", "start", "start a node for --store on --socket unless one answers there",
        "Start a node for --store on --socket unless one answers there.",
        NodeCommands.Start);

    public static readonly CliCommand NodeStop = new(
        "node", "stop", "stop the node that pullcluster started for --store",
        "Stop the node that pullcluster started for --store.",
        NodeCommands.Stop);

    public static readonly CliCommand NodeStatus = new(
        "node", "status", "ask the node (on --socket, or at --node) whether it answers",
        "Ask the node (on --socket, or at --node) whether it answers; a node that does not is not started.",
        Exchanges.Probe)
    {
        Call = new((_, _) => new GatewayRequest(GatewayOps.Ping), _ => "ping", GatewayKinds.Ok,
            (run, _, _) => run.Stdout.WriteLine($"node at {run.Args.Node} is running")),
    };

    public static readonly CliCommand Help = new(
        "", "help", "show help for a command", "Show help for a command, or this overview without one.",
        run => Print(run, Usage.For(run.Args.HelpTopic)))
    {
        Operands = [new("COMMAND", Optional: true)],
        Offline = true,
    };

    public static readonly CliCommand Version = new(
        "", "version", "show the version", "Show the version of this pullcluster.",
        run => Print(run, $"pullcluster {CliApp.Version}"))
    {
        Offline = true,
    };

    private static readonly OptionUse JsonDocument = new(CommandOption.Json, "print the answer as one JSON document");

    // The palettes ask a node that runs (Exchanges.Probe): an operator steers a farm, not a node started for the question.

    public static readonly CliCommand ClusterShow = new(
        "cluster", "show", "list the cluster's members",
        """
        List the cluster's members as the node answering sees them: address, status, whether it reaches
        them, the leader, roles, and the URL each serves blobs to its peers on (its --http).
        """,
        Exchanges.Probe)
    {
        Options = [JsonDocument],
        Call = new((_, _) => new GatewayRequest(GatewayOps.ClusterShow), _ => "cluster show", GatewayKinds.Cluster,
            (run, _, reply) => ClusterTables.WriteMembers(run.Stdout, ClusterOf(run, reply)))
        {
            Json = (run, _, reply) => run.Stdout.WriteLine(GatewayCodec.EncodeCluster(ClusterOf(run, reply))),
        },
    };

    public static readonly CliCommand ClusterLeave = new(
        "cluster", "leave", "make a member leave the cluster gracefully",
        """
        Make the member at ADDR (its Akka address, or the HOST:PORT of its --remote) leave the cluster
        gracefully, as SIGTERM does; without ADDR, the node answering leaves. The work it coordinated
        moves to the others, and a node that left stops.
        """,
        Exchanges.Probe)
    {
        Operands = [new("ADDR", Optional: true)],
        Call = new((args, _) => new GatewayRequest(GatewayOps.ClusterLeave, Address: args.Operands.FirstOrDefault()),
            _ => "cluster leave", GatewayKinds.Ok, (run, _, reply) => run.Stdout.WriteLine(reply.Message)),
    };

    public static readonly CliCommand ClusterDown = new(
        "cluster", "down", "mark a member down, removing it without its consent",
        """
        Mark the member at ADDR (its Akka address, or the HOST:PORT of its --remote) down: the cluster
        removes it at once, without a hand-over. For a member that is gone for good; a member that runs
        should leave instead.
        """,
        Exchanges.Probe)
    {
        Operands = [new("ADDR")],
        Call = new((args, _) => new GatewayRequest(GatewayOps.ClusterDown, Address: args.Operands[0]),
            _ => "cluster down", GatewayKinds.Ok, (run, _, reply) => run.Stdout.WriteLine(reply.Message)),
    };

    public static readonly CliCommand BlobWhere = new(
        "blob", "where", "show which members hold a blob or are receiving it",
        """
        Ask every reachable member what it has of the blob DIGEST: the members that hold it whole, and
        those receiving it now (they already serve what arrived).
        """,
        Exchanges.Probe)
    {
        Operands = [new("DIGEST")],
        Options = [JsonDocument],
        Call = new((args, _) => new GatewayRequest(GatewayOps.BlobWhere, Digest: args.Operands[0]), _ => "blob where", GatewayKinds.Blob,
            (run, _, reply) => ClusterTables.WriteHolders(run.Stdout, BlobOf(run, reply)))
        {
            Json = (run, _, reply) => run.Stdout.WriteLine(GatewayCodec.EncodeBlob(BlobOf(run, reply))),
        },
    };

    /// <summary>In the order the help lists them.</summary>
    public static readonly CliCommand[] All =
    [
        Pull, ImageList, ImageRemove, ImageRootfs, ImageExport, NodeStart, NodeStop, NodeStatus,
        ClusterShow, ClusterLeave, ClusterDown, BlobWhere, Help, Version,
    ];

    /// <summary>The palette words, in the order of <see cref="All"/>.</summary>
    public static IEnumerable<string> Palettes => All.Select(c => c.Palette).Where(p => p.Length > 0).Distinct();

    /// <summary>The command a whole path or alias names ("image ls", "images"), or null.</summary>
    public static CliCommand? Find(string path) => Array.Find(All, c => c.Path == path || c.Aliases.Contains(path));

    /// <summary>The content comes as data frames that end in "ok", the one final kind a receiving request has.</summary>
    private static GatewayCall WriteToDir(string op, string what) =>
        new((args, image) => new GatewayRequest(op, image, args.Platform), image => $"{op} of {image}", GatewayKinds.Ok,
            (run, image, _) => run.Stdout.WriteLine($"wrote the {what} of {image} to {run.Written}"));

    private static PullResultDto PullResult(CommandRun run, string image, GatewayReply reply) =>
        reply.Result ?? throw new CliFailure($"node {run.Args.Node} answered the pull of {image} without a result");

    private static ClusterViewDto ClusterOf(CommandRun run, GatewayReply reply) =>
        reply.Cluster ?? throw new CliFailure($"node {run.Args.Node} answered cluster show without the cluster");

    private static BlobWhereaboutsDto BlobOf(CommandRun run, GatewayReply reply) =>
        reply.Blob ?? throw new CliFailure($"node {run.Args.Node} answered blob where without the blob's holders");

    private static int Print(CommandRun run, string text)
    {
        run.Stdout.WriteLine(text);
        return 0;
    }
}
