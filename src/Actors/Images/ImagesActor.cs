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
    public sealed record Remove(RemoveImage Request, bool Prune, IActorRef ReplyTo) : INodeMessage;

    private readonly NodeServices _services;

    public ImagesActor(NodeServices services, IActorRef blobs)
    {
        _services = services;
        Receive<ListImages>(m => Run(m.ReplyTo ?? Sender, () => new ImageList(List(m.Platform))));
        Receive<Remove>(m => Run(m.ReplyTo, m.Request.Image, () => RemoveImage(m.Request.Image, m.Request.Platform, m.Prune)));
        Receive<MaterializeRootfs>(m => Run(m.ReplyTo ?? Sender, m.Image, () => Rootfs(m.Image, m.Platform, m.Directory)));
        Receive<ExportImage>(m => Context.ActorOf(ExportJob.Props(m.Image, m.Platform, m.Directory, m.ReplyTo ?? Sender, services, blobs)));
        Receive<OpenRootfsTar>(m => Run(m.ReplyTo ?? Sender, m.Image, () => OpenRootfs(m.Image, m.Platform)));
        Receive<OpenExportTar>(m => Context.ActorOf(ExportJob.Props(m.Image, m.Platform, null, m.ReplyTo ?? Sender, services, blobs)));
    }

    public static Props Props(NodeServices services, IActorRef blobs) => Akka.Actor.Props.Create(() => new ImagesActor(services, blobs));

    private static void Run(IActorRef replyTo, Func<object> work) =>
        Task.Run(work).PipeTo(replyTo, failure: e => new Status.Failure(e));

    private static void Run(IActorRef replyTo, string image, Func<object> work) =>
        Task.Run(work).PipeTo(replyTo, failure: e => new ImageOperationFailed(image, e.Unwrap().Message));

    private IReadOnlyList<ImageSummary> List(string? platform)
    {
        var wanted = ParsePlatform(platform);
        return _services.Images.List()
            .Where(r => wanted is null || ImageStore.IsFor(r, wanted))
            .Select(r => new ImageSummary(r.Reference, r.ManifestDigest, r.Platform, r.CompressedSize, r.Layers.Count, r.Pulled))
            .ToList();
    }

    /// <summary>The record rootfs and export act on: the platform's, or by default this node's (see <see cref="ImageStore.Select"/>).</summary>
    internal static ImageRecord Find(NodeServices services, string image, string? platform) =>
        services.Images.Select(ImageReference.Parse(image).ToString(), ParsePlatform(platform), Platform.Current);

    private static Platform? ParsePlatform(string? platform) =>
        string.IsNullOrWhiteSpace(platform) ? null : Platform.Parse(platform);

    /// <summary>
    /// Without a platform every record of the reference goes, as docker image rm and ctr image rm remove the name
    /// for all platforms; with one only that record, and the reply says which platforms the reference keeps.
    /// </summary>
    private object RemoveImage(string image, string? platform, bool prune)
    {
        var reference = ImageReference.Parse(image).ToString();
        var requested = ParsePlatform(platform);
        var records = _services.Images.ListFor(reference);
        IReadOnlyList<ImageRecord> doomed = requested is null ? records : [ImageStore.Select(records, reference, requested, Platform.Current)];
        if (doomed.Count == 0) throw new ImageNotFoundException(reference, null, []);
        foreach (var record in doomed) _services.Images.Remove(record.Reference, record.Platform);
        var what = $"{reference} ({string.Join(", ", doomed.Select(r => r.Platform))})";
        var left = records.Except(doomed).ToList();
        var kept = left.Count == 0 ? "" : $"; {reference} is kept for {string.Join(", ", left.Select(r => r.Platform))}";
        if (!prune) return new ImageOperationDone(reference, $"untagged {what}; content kept while pulls are running{kept}");
        var (layers, blobs) = Prune();
        return new ImageOperationDone(reference, $"removed {what}: {layers} layers and {blobs} blobs deleted{kept}");
    }

    /// <summary>
    /// Deletes layers and blobs that no remaining record refers to, as docker rmi does. Records are counted per
    /// platform, and layers and blobs are named by their content, so another platform's record keeps exactly what
    /// it shares with the removed one.
    /// </summary>
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

    private object Rootfs(string image, string? platform, string directory)
    {
        var record = Find(_services, image, platform);
        var target = Path.GetFullPath(directory);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            throw new IOException($"rootfs target {target} is not empty");
        var layerDirs = LayerDirs(record);
        Directory.CreateDirectory(target);
        RootfsBuilder.Flatten(layerDirs, target, _services.ApplyOptions, CancellationToken.None);
        return new ImageOperationDone(record.Reference, $"wrote the root filesystem of {record.Reference} to {target}");
    }

    private object OpenRootfs(string image, string? platform)
    {
        var record = Find(_services, image, platform);
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
