using Akka.Actor;

namespace PullCluster.Actors.Protocol;

/// <summary>
/// The pull finished. BytesFetched: transferred on this pull's behalf, BytesFromRegistry from the registry plus
/// BytesFromPeers from other nodes of the farm; BytesShared: blobs another pull on this node was already transferring,
/// which this one waited for; BytesReused (= BytesFromStore): already on this node.
/// </summary>
public sealed record PullSucceeded(
    string Image,
    string ManifestDigest,
    string ConfigDigest,
    string Platform,
    IReadOnlyList<string> ChainIds,
    long BytesFetched,
    long BytesShared,
    long BytesReused,
    TimeSpan Elapsed,
    long BytesFromRegistry = 0,
    long BytesFromPeers = 0) : IApiMessage
{
    public long BytesFromStore => BytesReused;
}

public sealed record PullFailed(string Image, string Reason) : IApiMessage;

public sealed record ImageSummary(string Image, string ManifestDigest, string Platform, long Size, int Layers, DateTimeOffset Pulled);

public sealed record ImageList(IReadOnlyList<ImageSummary> Images) : IApiMessage;

/// <summary>A non-pull image operation (rm, rootfs, export) succeeded.</summary>
public sealed record ImageOperationDone(string Image, string Message) : IApiMessage;

public sealed record ImageOperationFailed(string Image, string Reason) : IApiMessage;

/// <summary>
/// Answers <see cref="OpenRootfsTar"/> and <see cref="OpenExportTar"/>. Node-local: <see cref="ImageTar"/> reads the
/// store when written, so this reply never crosses nodes.
/// </summary>
public sealed record ImageTarOpened(string Image, ImageTar Tar) : INoSerializationVerificationNeeded;
