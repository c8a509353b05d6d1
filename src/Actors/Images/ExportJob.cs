using Akka.Actor;
using PullCluster.Actors.Blobs;
using PullCluster.Actors.Protocol;
using PullCluster.Core.Formats;
using PullCluster.Core.Store;

namespace PullCluster.Actors.Images;

/// <summary>
/// Exports one image as an OCI layout, written into a directory by the node or, without one, handed over
/// as a tar stream (<see cref="ImageTarOpened"/>). A pull skips the blob of a layer whose chain ID is already
/// committed (the same content under another compression, say), so blobs the export needs but the store
/// lacks are fetched first, through their BlobActors like any other fetch.
/// </summary>
public sealed class ExportJob : ReceiveActor
{
    // Results of this actor's own background work and timers, told to itself: node-local (paths, exceptions, parsed
    // documents), so they are not serialized even where serialize-messages is on.
    private sealed record Planned(ImageRecord Record, IReadOnlyList<Descriptor> Missing) : INoSerializationVerificationNeeded;
    private sealed record Failed(Exception Cause) : INoSerializationVerificationNeeded;

    private readonly string _image;
    private readonly string? _platform;
    private readonly string? _directory;
    private readonly IActorRef _replyTo;
    private readonly NodeServices _services;
    private readonly IActorRef _blobs;
    private readonly HashSet<Digest> _waiting = new();
    private ImageRecord? _record;

    public ExportJob(string image, string? platform, string? directory, IActorRef replyTo, NodeServices services, IActorRef blobs)
    {
        _image = image;
        _platform = platform;
        _directory = directory;
        _replyTo = replyTo;
        _services = services;
        _blobs = blobs;
        Receive<Planned>(OnPlanned);
        Receive<BlobAvailable>(b =>
        {
            _waiting.Remove(b.Blob.Digest);
            if (_waiting.Count == 0) Write();
        });
        Receive<BlobFetchFailed>(f => Finish(new ImageOperationFailed(_image, $"export needs blob {f.Digest}: {f.Reason}")));
        Receive<ImageOperationDone>(Finish);
        Receive<Failed>(f => Finish(new ImageOperationFailed(_image, f.Cause.Unwrap().Message)));
    }

    public static Props Props(string image, string? platform, string? directory, IActorRef replyTo, NodeServices services, IActorRef blobs) =>
        Akka.Actor.Props.Create(() => new ExportJob(image, platform, directory, replyTo, services, blobs));

    protected override void PreStart()
    {
        var services = _services;
        var image = _image;
        var platform = _platform;
        Task.Run(() =>
        {
            var record = ImagesActor.Find(services, image, platform);
            var missing = record.Layers
                .Select(l => new Descriptor(l.MediaType, Digest.Parse(l.Digest), l.Size))
                .Append(new Descriptor(record.ConfigMediaType, Digest.Parse(record.ConfigDigest), record.ConfigSize))
                .Where(d => !services.Content.Has(d))
                .ToList();
            return new Planned(record, missing);
        }).PipeTo(Self, failure: e => new Failed(e));
    }

    private void OnPlanned(Planned plan)
    {
        _record = plan.Record;
        if (plan.Missing.Count == 0)
        {
            Write();
            return;
        }
        var source = ImageReference.Parse(plan.Record.Reference);
        foreach (var blob in plan.Missing)
        {
            _waiting.Add(blob.Digest);
            _blobs.Tell(new FetchBlob(source, blob));
        }
    }

    private void Write()
    {
        var record = _record!;
        var content = _services.Content;
        if (_directory is null)
        {
            Finish(new ImageTarOpened(record.Reference, new ImageTar(record.Reference, "OCI image layout",
                (output, ct) => ImageLayoutWriter.WriteTar(record, content, output, ct))));
            return;
        }
        var target = Path.GetFullPath(_directory);
        Task.Run(() =>
        {
            ImageLayoutWriter.Write(record, content, target);
            return new ImageOperationDone(record.Reference, $"exported {record.Reference} as an OCI image layout to {target}");
        }).PipeTo(Self, failure: e => new Failed(e));
    }

    private void Finish(object reply)
    {
        _replyTo.Tell(reply);
        Context.Stop(Self);
    }
}
