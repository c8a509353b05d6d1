using System.Threading.Channels;
using Akka.Actor;
using PullCluster.Actors.Farm;
using PullCluster.Actors.Protocol;
using PullCluster.Core.Formats;
using PullCluster.Core.Gateway;

namespace PullCluster.Actors.Gateway;

/// <summary>
/// One CLI connection: turns its request into the ordinary message API and each reply into a gateway
/// line. Lines go to a channel that the connection's writer drains, so a slow terminal never blocks the actor;
/// a tar stream (rootfs, export) goes there too, for the connection to send as data lines.
/// </summary>
public sealed class GatewaySession : ReceiveActor
{
    private readonly ChannelWriter<GatewayOutput> _out;

    public GatewaySession(GatewayRequest request, IActorRef pulls, ChannelWriter<GatewayOutput> output)
    {
        _out = output;
        Receive<PullProgress>(p => Write(new GatewayReply(GatewayKinds.Progress, Progress: ToDto(p))));
        Receive<PullSucceeded>(s => Finish(new GatewayReply(GatewayKinds.Result, Result: ToDto(s))));
        Receive<PullFailed>(f => Finish(new GatewayReply(GatewayKinds.Error, Message: f.Reason)));
        Receive<ImageList>(l => Finish(new GatewayReply(GatewayKinds.Images, Images: l.Images.Select(ToDto).ToList())));
        Receive<ImageOperationDone>(d => Finish(new GatewayReply(GatewayKinds.Ok, Message: d.Message)));
        Receive<ImageOperationFailed>(f => Finish(new GatewayReply(GatewayKinds.Error, Message: f.Reason)));
        Receive<ImageTarOpened>(t => Finish(new TarReply(t.Tar)));
        Receive<Status.Failure>(f => Finish(new GatewayReply(GatewayKinds.Error, Message: f.Cause.Message)));
        Receive<CensusTaken>(c => Finish(request.Op == GatewayOps.BlobWhere
            ? new GatewayReply(GatewayKinds.Blob, Blob: ClusterPalette.Whereabouts(c))
            : new GatewayReply(GatewayKinds.Cluster, Cluster: ClusterPalette.View(Akka.Cluster.Cluster.Get(Context.System), c))));

        if (ClusterPalette.Handles(request.Op))
        {
            RunClusterCommand(request);
            return;
        }
        object? command = request.Op switch
        {
            GatewayOps.Pull when request.Image is { } image => new PullImage(image, request.Platform, Self),
            GatewayOps.ListImages => new ListImages(Self, request.Platform),
            GatewayOps.RemoveImage when request.Image is { } image => new RemoveImage(image, Self, request.Platform),
            GatewayOps.Rootfs when request.Image is { } image => new OpenRootfsTar(image, Self, request.Platform),
            GatewayOps.Export when request.Image is { } image => new OpenExportTar(image, Self, request.Platform),
            _ => null,
        };
        if (command is not null) pulls.Tell(command);
        else if (request.Op == GatewayOps.Ping) Finish(new GatewayReply(GatewayKinds.Ok, Message: "pong"));
        else Finish(new GatewayReply(GatewayKinds.Error, Message: $"unknown or incomplete request '{request.Op}'"));
    }

    public static Props Props(GatewayRequest request, IActorRef pulls, ChannelWriter<GatewayOutput> output) =>
        Akka.Actor.Props.Create(() => new GatewaySession(request, pulls, output));

    /// <summary>
    /// show and where ask the members (<see cref="FarmCensus"/>) and answer when they have; leave and down are Akka's
    /// own, answered as soon as the cluster took them: membership then changes at the cluster's pace.
    /// </summary>
    private void RunClusterCommand(GatewayRequest request)
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var state = cluster.State;
        switch (request.Op)
        {
            case GatewayOps.ClusterShow:
                // No digest is held by anyone: the answers carry each member's peer URL all the same.
                Context.ActorOf(FarmCensus.Props("", ClusterPalette.Askable(state), ClusterPalette.CensusTimeout, Self));
                break;
            case GatewayOps.BlobWhere when Digest.TryParse(request.Digest, out var digest):
                Context.ActorOf(FarmCensus.Props(digest.ToString(), ClusterPalette.Askable(state), ClusterPalette.CensusTimeout, Self));
                break;
            case GatewayOps.BlobWhere:
                Fail(request.Digest is null
                    ? "blob where needs the DIGEST of a blob"
                    : $"'{request.Digest}' is not a blob digest (ALGORITHM:HEX, e.g. sha256:<64 hex digits>)");
                break;
            case GatewayOps.ClusterLeave:
            {
                var (member, refusal) = ClusterPalette.Find(state, request.Address ?? cluster.SelfAddress.ToString());
                if (member is null) Fail(refusal!);
                else
                {
                    cluster.Leave(member.Address);
                    Finish(new GatewayReply(GatewayKinds.Ok, Message: $"{member.Address} is leaving the cluster (it was {member.Status})"));
                }
                break;
            }
            case GatewayOps.ClusterDown when request.Address is { } address:
            {
                var (member, refusal) = ClusterPalette.Find(state, address);
                if (member is null) Fail(refusal!);
                else
                {
                    cluster.Down(member.Address);
                    Finish(new GatewayReply(GatewayKinds.Ok, Message: $"{member.Address} is marked down (it was {member.Status})"));
                }
                break;
            }
            case GatewayOps.ClusterDown:
                Fail("cluster down needs the ADDR of the member to down");
                break;
        }
    }

    private void Fail(string message) => Finish(new GatewayReply(GatewayKinds.Error, Message: message));

    private void Write(GatewayReply reply) => _out.TryWrite(new ReplyLine(reply));

    private void Finish(GatewayReply reply) => Finish(new ReplyLine(reply));

    private void Finish(GatewayOutput output)
    {
        _out.TryWrite(output);
        _out.TryComplete();
        Context.Stop(Self);
    }

    private static PullProgressDto ToDto(PullProgress p) =>
        new(p.Image, p.Layers.Select(l => new LayerProgressDto(l.Digest, l.Size, l.Done, l.State)).ToList());

    private static PullResultDto ToDto(PullSucceeded s) =>
        new(s.Image, s.ManifestDigest, s.ConfigDigest, s.Platform, s.ChainIds, s.BytesFetched, s.BytesShared, s.BytesReused, s.Elapsed.TotalSeconds,
            s.BytesFromRegistry, s.BytesFromPeers);

    private static ImageSummaryDto ToDto(ImageSummary i) =>
        new(i.Image, i.ManifestDigest, i.Platform, i.Size, i.Layers, i.Pulled);
}
