using PullCluster.Actors.Protocol;
using PullCluster.Core.Gateway;

namespace PullCluster.Actors.Gateway;

/// <summary>What a gateway session hands its connection to send.</summary>
public abstract record GatewayOutput;

/// <summary>One reply line.</summary>
public sealed record ReplyLine(GatewayReply Reply) : GatewayOutput;

/// <summary>
/// A tar stream to send as data lines and then end with "ok", or with "error" if writing it fails. The connection
/// writes it, on a thread of its own, because only the connection can wait for the socket.
/// </summary>
public sealed record TarReply(ImageTar Tar) : GatewayOutput;
