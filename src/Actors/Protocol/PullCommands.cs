using Akka.Actor;

namespace PullCluster.Actors.Protocol;

// The public message API, sent to the node's PullManager (/user/pulls). Everything is plain strings and
// numbers so that remote callers need no PullCluster types beyond these records. When ReplyTo is null the
// replies go to the sender.

/// <summary>Pull an image. Answered by <see cref="PullProgress"/> events, then <see cref="PullSucceeded"/> or <see cref="PullFailed"/>.</summary>
public sealed record PullImage(string Image, string? Platform = null, IActorRef? ReplyTo = null);

public sealed record ListImages(IActorRef? ReplyTo = null);

public sealed record RemoveImage(string Image, IActorRef? ReplyTo = null);

/// <summary>
/// Write the image's flattened root filesystem into an empty or missing directory on the node's host, as the node's
/// user. For programs in the node's own process only: the node refuses it from another actor system.
/// </summary>
public sealed record MaterializeRootfs(string Image, string Directory, IActorRef? ReplyTo = null);

/// <summary>
/// Write the image as an OCI image layout with its original blobs into a directory on the node's host, as the node's
/// user. For programs in the node's own process only: the node refuses it from another actor system.
/// </summary>
public sealed record ExportImage(string Image, string Directory, IActorRef? ReplyTo = null);

/// <summary>
/// The image's flattened root filesystem as a tar stream, for the caller to write with its own rights (the gateway
/// sends it to the CLI). Answered by <see cref="ImageTarOpened"/> or <see cref="ImageOperationFailed"/>; in-process
/// only, since the answer reads the node's store.
/// </summary>
public sealed record OpenRootfsTar(string Image, IActorRef? ReplyTo = null);

/// <summary>The image's OCI image layout as a tar stream; otherwise as <see cref="OpenRootfsTar"/>.</summary>
public sealed record OpenExportTar(string Image, IActorRef? ReplyTo = null);
