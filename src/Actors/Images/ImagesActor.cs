using Akka.Actor;
using PullCluster.Actors.Protocol;
using PullCluster.Core.Formats;
using PullCluster.Core.Layers;
using PullCluster.Core.Store;

namespace PullCluster.Actors.Images;

/// <summary>
/// Image records and what is made from them: listing, removal (with pruning of content no image still
/// uses), the flattened root filesystem and OCI layout export (an ExportJob each), either written into a
/// directory by the node (in-process callers) or handed over as a tar stream for the caller to write (the
/// gateway). All file work runs off the actor thread.
/// </summary>
public sealed class ImagesActor : ReceiveActor
{
    public sealed record Remove(RemoveImage Request, bool Prune, IActorRef ReplyTo);

    private readonly NodeServices _services;

    public ImagesActor(NodeServices services, IActorRef blobs)
    {
        _services = services;
        Receive<ListImages>(m => Run(m.ReplyTo ?? Sender, () => new ImageList(List())));
        Receive<Remove>(m => Run(m.ReplyTo, m.Request.Image, () => RemoveImage(m.Request.Image, m.Prune)));
        Receive<MaterializeRootfs>(m => Run(m.ReplyTo ?? Sender, m.Image, () => Rootfs(m.Image, m.Directory)));
        Receive<ExportImage>(m => Context.ActorOf(ExportJob.Props(m.Image, m.Directory, m.ReplyTo ?? Sender, services, blobs)));
        Receive<OpenRootfsTar>(m => Run(m.ReplyTo ?? Sender, m.Image, () => OpenRootfs(m.Image)));
        Receive<OpenExportTar>(m => Context.ActorOf(ExportJob.Props(m.Image, null, m.ReplyTo ?? Sender, services, blobs)));
    }

    public static Props Props(NodeServices services, IActorRef blobs) => Akka.Actor.Props.Create(() => new ImagesActor(services, blobs));

    private static void Run(IActorRef replyTo, Func<object> work) =>
        Task.Run(work).PipeTo(replyTo, failure: e => new Status.Failure(e));

    private static void Run(IActorRef replyTo, string image, Func<object> work) =>
        Task.Run(work).PipeTo(replyTo, failure: e => new ImageOperationFailed(image, e.Unwrap().Message));

    private IReadOnlyList<ImageSummary> List() =>
        _services.Images.List()
            .Select(r => new ImageSummary(r.Reference, r.ManifestDigest, r.Platform, r.CompressedSize, r.Layers.Count, r.Pulled))
            .ToList();

    internal static ImageRecord Find(NodeServices services, string image)
    {
        var reference = ImageReference.Parse(image).ToString();
        return services.Images.Get(reference) ?? throw new KeyNotFoundException($"image {reference} is not in the store (see 'pullcluster image ls')");
    }

    private ImageRecord Find(string image) => Find(_services, image);

    private object RemoveImage(string image, bool prune)
    {
        var record = Find(image);
        _services.Images.Remove(record.Reference);
        if (!prune) return new ImageOperationDone(record.Reference, $"untagged {record.Reference}; content kept while pulls are running");
        var (layers, blobs) = Prune();
        return new ImageOperationDone(record.Reference, $"removed {record.Reference}: {layers} layers and {blobs} blobs deleted");
    }

    /// <summary>Deletes layers and blobs that no remaining image refers to, as docker rmi does.</summary>
    private (int Layers, int Blobs) Prune()
    {
        var images = _services.Images.List();
        var keepLayers = images.SelectMany(i => i.ChainIds).ToHashSet();
        var keepBlobs = images
            .SelectMany(i => i.Layers.Select(l => l.Digest).Append(i.ManifestDigest).Append(i.ConfigDigest))
            .ToHashSet();
        var layers = 0;
        foreach (var chainId in _services.Layers.List().Where(c => !keepLayers.Contains(c.ToString())).ToList())
        {
            _services.Layers.Delete(chainId);
            layers++;
        }
        var blobs = 0;
        foreach (var digest in _services.Content.List().Where(d => !keepBlobs.Contains(d.ToString())).ToList())
        {
            _services.Content.Delete(digest);
            blobs++;
        }
        return (layers, blobs);
    }

    private object Rootfs(string image, string directory)
    {
        var record = Find(image);
        var target = Path.GetFullPath(directory);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            throw new IOException($"rootfs target {target} is not empty");
        var layerDirs = LayerDirs(record);
        Directory.CreateDirectory(target);
        RootfsBuilder.Flatten(layerDirs, target, _services.ApplyOptions, CancellationToken.None);
        return new ImageOperationDone(record.Reference, $"wrote the root filesystem of {record.Reference} to {target}");
    }

    private object OpenRootfs(string image)
    {
        var record = Find(image);
        var layerDirs = LayerDirs(record);
        return new ImageTarOpened(record.Reference,
            new ImageTar(record.Reference, "root filesystem", (output, ct) => RootfsTar.Write(layerDirs, output, ct)));
    }

    private List<string> LayerDirs(ImageRecord record)
    {
        var layerDirs = record.Layers.Select(l => _services.Layers.PathOf(Digest.Parse(l.ChainId))).ToList();
        foreach (var dir in layerDirs.Where(d => !Directory.Exists(d)))
            throw new DirectoryNotFoundException($"layer {dir} of {record.Reference} is missing from the store; pull the image again");
        return layerDirs;
    }
}
