using Akka.Actor;

namespace PullCluster.Actors.Protocol;

// The public message API, sent to the node's PullManager (/user/pulls). Everything is plain strings and
// numbers so that remote callers need no PullCluster types beyond these records. When ReplyTo is null the
// replies go to the sender. IApiMessage ones cross processes under ApiSerializer's manifests; the Open*Tar ones
// are node-local, since their answer is a stream of the node's store.

/// <summary>Pull an image. Answered by <see cref="PullProgress"/> events, then <see cref="PullSucceeded"/> or <see cref="PullFailed"/>.</summary>
public sealed record PullImage(string Image, string? Platform = null, IActorRef? ReplyTo = null) : IApiMessage;

// Image operations act on one (reference, platform) record; Platform is os/arch[/variant] and comes last so
// that callers written before it keep compiling. A pull for another platform adds a record beside the first.

/// <summary>List image records, every platform's, or only those of <paramref name="Platform"/>.</summary>
public sealed record ListImages(IActorRef? ReplyTo = null, string? Platform = null) : IApiMessage;

/// <summary>
/// Remove an image: without a platform every platform's record of the reference (as docker image rm and ctr image rm
/// remove the name), with one only that platform's record. Layers and blobs another record uses stay.
/// </summary>
public sealed record RemoveImage(string Image, IActorRef? ReplyTo = null, string? Platform = null) : IApiMessage;

/// <summary>
/// Write the image's flattened root filesystem into an empty or missing directory on the node's host, as the node's
/// user. Without a platform: the node's own platform's record, or the reference's only record. For programs in the
/// node's own process only: the node refuses it from another actor system.
/// </summary>
public sealed record MaterializeRootfs(string Image, string Directory, IActorRef? ReplyTo = null, string? Platform = null) : IApiMessage;

/// <summary>
/// Write the image as an OCI image layout with its original blobs into a directory on the node's host, as the node's
/// user; the platform is chosen as for <see cref="MaterializeRootfs"/>. For programs in the node's own process only.
/// </summary>
public sealed record ExportImage(string Image, string Directory, IActorRef? ReplyTo = null, string? Platform = null) : IApiMessage;

/// <summary>
/// The image's flattened root filesystem as a tar stream, for the caller to write with its own rights (the gateway
/// sends it to the CLI); the platform is chosen as for <see cref="MaterializeRootfs"/>. Answered by
/// <see cref="ImageTarOpened"/> or <see cref="ImageOperationFailed"/>; in-process only, since the answer reads the
/// node's store.
/// </summary>
public sealed record OpenRootfsTar(string Image, IActorRef? ReplyTo = null, string? Platform = null) : INoSerializationVerificationNeeded;

/// <summary>The image's OCI image layout as a tar stream; otherwise as <see cref="OpenRootfsTar"/>.</summary>
public sealed record OpenExportTar(string Image, IActorRef? ReplyTo = null, string? Platform = null) : INoSerializationVerificationNeeded;
