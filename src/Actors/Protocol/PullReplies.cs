using Akka.Actor;

namespace PullCluster.Actors.Protocol;

/// <summary>
/// The pull finished. BytesFetched: downloaded from the registry on this pull's behalf; BytesShared: blobs
/// another pull was already downloading, which this one waited for; BytesReused: already in the store.
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
    TimeSpan Elapsed) : IApiMessage;

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
