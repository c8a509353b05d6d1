using Akka.Actor;
using PullCluster.Core.Formats;

namespace PullCluster.Actors.Farm;

/// <summary>
/// Answers a blob authority's <see cref="WhoHolds"/> from this node's store: what the farm knows of a blob is
/// rebuilt from the nodes themselves, so no node's death takes it away.
/// </summary>
public sealed class BlobHoldings : ReceiveActor
{
    public const string Name = "blob-holdings";

    public BlobHoldings(NodeServices services, FarmNode self)
    {
        Receive<WhoHolds>(query =>
        {
            var state = Digest.TryParse(query.Digest, out var digest) ? services.HoldingOf(digest) : HoldingState.None;
            Sender.Tell(new Holding(query.Digest, self, state));
        });
    }

    public static Props Props(NodeServices services, FarmNode self) => Akka.Actor.Props.Create(() => new BlobHoldings(services, self));
}
