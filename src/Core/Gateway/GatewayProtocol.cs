namespace PullCluster.Core.Gateway;

// The node's command gateway: a unix socket (--socket PATH; /run/pullcluster/pullcluster.sock for a root
// node), and TCP on --node HOST:PORT only when asked, for remote administration with an admin token.
// One connection carries one request, sent as a single JSON line, and the node answers with a stream of
// JSON lines ending in a line whose Kind is "result", "images", "cluster", "blob", "ok" or "error". Each request is turned
// into the same actor messages (PullImage → progress → result) an in-process caller sends; the gateway
// exists so that the CLI can be a native binary that starts in milliseconds instead of an actor system.
//
// rootfs and export answer with content rather than writing it on the node: a run of "data" lines, each
// {"kind":"data","length":N} followed by exactly N raw bytes (together a tar stream), then the final "ok"
// or "error" line. The CLI writes the files itself, with its caller's rights, as docker cp and docker save
// do; the node, which runs as root, never writes where a caller points it. A failure mid-stream still ends
// with an "error" line, and a connection that ends without "ok" is a failure, so a truncated tar is never
// taken for a complete one.

public static class GatewayOps
{
    public const string Ping = "ping";
    public const string Pull = "pull";
    public const string ListImages = "images";
    public const string RemoveImage = "rm";
    public const string Rootfs = "rootfs";
    public const string Export = "export";

    // The cluster palette: the farm's members as the node answering sees them, and steering them.
    public const string ClusterShow = "cluster-show";
    public const string ClusterLeave = "cluster-leave";
    public const string ClusterDown = "cluster-down";

    /// <summary>Which members hold a blob, or are receiving it.</summary>
    public const string BlobWhere = "blob-where";
}

public static class GatewayKinds
{
    public const string Progress = "progress";
    public const string Data = "data";
    public const string Result = "result";
    public const string Images = "images";
    public const string Ok = "ok";
    public const string Cluster = "cluster";
    public const string Blob = "blob";
    public const string Error = "error";

    public static bool IsFinal(string kind) => kind is not (Progress or Data);
}

/// <summary>docker pull's per-layer states, so operators read them as they are used to.</summary>
public static class LayerStates
{
    public const string Waiting = "Waiting";
    public const string Downloading = "Downloading";
    public const string Verifying = "Verifying Checksum";
    public const string Downloaded = "Download complete";
    public const string Extracting = "Extracting";
    public const string Complete = "Pull complete";
    public const string Exists = "Already exists";
    public const string Failed = "Failed";
}

/// <param name="Platform">os/arch[/variant]: the platform to pull, or the platform's record an image op acts on
/// (for "images", the platform to list); null lets the node choose as the message API does.</param>
/// <param name="Token">The admin token, sent over TCP only; the unix socket trusts the caller's credentials instead.</param>
/// <param name="Address">A cluster member, for cluster-leave and cluster-down: its Akka address or its HOST:PORT.</param>
/// <param name="Digest">The blob of blob-where.</param>
public sealed record GatewayRequest(
    string Op,
    string? Image = null,
    string? Platform = null,
    string? Token = null,
    string? Address = null,
    string? Digest = null)
{
    /// <summary>Without the token's text: requests are logged and put in error messages, the token never is.</summary>
    public override string ToString() =>
        $"GatewayRequest {{ Op = {Op}, Image = {Image}, Platform = {Platform}, Address = {Address}, Digest = {Digest}, " +
        $"Token = {(Token is null ? "none" : "(redacted)")} }}";
}

public sealed record LayerProgressDto(string Digest, long Size, long Done, string State);

public sealed record PullProgressDto(string Image, IReadOnlyList<LayerProgressDto> Layers);

public sealed record PullResultDto(
    string Image,
    string ManifestDigest,
    string ConfigDigest,
    string Platform,
    IReadOnlyList<string> ChainIds,
    long BytesFetched,
    long BytesShared,
    long BytesReused,
    double Seconds,
    long BytesFromRegistry = 0,
    long BytesFromPeers = 0)
{
    /// <summary>What was already on the node: the same bytes as <see cref="BytesReused"/>, named beside the other two sources.</summary>
    public long BytesFromStore => BytesReused;
}

public sealed record ImageSummaryDto(
    string Image,
    string ManifestDigest,
    string Platform,
    long Size,
    int Layers,
    DateTimeOffset Pulled);

/// <summary>One member of the cluster as the answering node sees it.</summary>
/// <param name="Address">Its Akka address (<c>akka.ssl.tcp://pullcluster@host:port</c>).</param>
/// <param name="Status">Akka's member status: Joining, WeaklyUp, Up, Leaving, Exiting, Down, Removed.</param>
/// <param name="Reachable">False when the answering node's failure detector lost it.</param>
/// <param name="PeerUrl">Where it serves blobs to its peers (its --http); "" when it serves none, null when it did not say.</param>
public sealed record ClusterMemberDto(string Address, string Status, IReadOnlyList<string> Roles, bool Reachable, bool Leader, string? PeerUrl);

/// <param name="Self">The address of the node that answered.</param>
/// <param name="Leader">The cluster's leader, null while there is none.</param>
public sealed record ClusterViewDto(string Self, string? Leader, IReadOnlyList<ClusterMemberDto> Members);

/// <summary>A member that has a blob.</summary>
/// <param name="State">"complete" (it holds the whole blob and serves it) or "receiving" (it serves what arrived so far).</param>
public sealed record BlobHolderDto(string Address, string PeerUrl, string State);

/// <param name="Unanswered">Members that were asked and did not answer in time: they may hold it too.</param>
public sealed record BlobWhereaboutsDto(string Digest, IReadOnlyList<BlobHolderDto> Holders, IReadOnlyList<string> Unanswered);

public sealed record GatewayReply(
    string Kind,
    PullProgressDto? Progress = null,
    PullResultDto? Result = null,
    IReadOnlyList<ImageSummaryDto>? Images = null,
    string? Message = null,
    long? Length = null,
    ClusterViewDto? Cluster = null,
    BlobWhereaboutsDto? Blob = null);
