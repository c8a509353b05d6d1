using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace PullCluster.Actors.Farm;

/// <summary>
/// Says in the node's log who is in the farm as it changes: operators read it, and tests and the bench wait on
/// "cluster member up: … (N up)" before they start pulls.
/// </summary>
public sealed class FarmMembership : ReceiveActor
{
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<Address> _up = new();

    public FarmMembership()
    {
        Receive<ClusterEvent.MemberUp>(e =>
        {
            _up.Add(e.Member.Address);
            _log.Info("cluster member up: {0} ({1} up)", e.Member.Address, _up.Count);
        });
        Receive<ClusterEvent.MemberRemoved>(e =>
        {
            _up.Remove(e.Member.Address);
            _log.Info("cluster member removed: {0} (was {1}; {2} up)", e.Member.Address, e.PreviousStatus, _up.Count);
        });
        Receive<ClusterEvent.UnreachableMember>(e => _log.Warning("cluster member unreachable: {0}", e.Member.Address));
        Receive<ClusterEvent.ReachableMember>(e => _log.Info("cluster member reachable again: {0}", e.Member.Address));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new FarmMembership());

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop() => _cluster.Unsubscribe(Self);
}
