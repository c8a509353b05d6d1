using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace PullCluster.Actors.Farm;

/// <summary>
/// Says in the node's log who is in the farm as it changes: operators read it, and tests and the bench wait on
/// "cluster member up: … (N up)" before they start pulls. While this node is up it keeps its store's farm marker fresh,
/// and a node that was told not to form a farm of its own (a restarted first seed) forms one only when no seed answers
/// for <see cref="FormAlonePatience"/>: the whole farm restarted.
/// </summary>
public sealed class FarmMembership : ReceiveActor, IWithTimers
{
    private sealed record Touch : INoSerializationVerificationNeeded;
    private sealed record FormAlone : INoSerializationVerificationNeeded;

    /// <summary>How often the marker is touched while up; a marker older than <see cref="Recent"/> means "not a member lately".</summary>
    public static readonly TimeSpan TouchEvery = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Recent = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan FormAlonePatience = TimeSpan.FromSeconds(30);

    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<Address> _up = new();
    private readonly string _marker;
    private readonly bool _formAloneLater;

    /// <param name="marker">The store's farm marker file.</param>
    /// <param name="formAloneLater">This node is the farm's first seed but did not lead the seed list (it was a member a moment ago).</param>
    public FarmMembership(string marker, bool formAloneLater)
    {
        _marker = marker;
        _formAloneLater = formAloneLater;
        Receive<ClusterEvent.MemberUp>(e =>
        {
            _up.Add(e.Member.Address);
            _log.Info("cluster member up: {0} ({1} up)", e.Member.Address, _up.Count);
            if (e.Member.Address.Equals(_cluster.SelfAddress))
            {
                Timers.Cancel("form-alone");
                Timers.StartPeriodicTimer("touch", new Touch(), TimeSpan.Zero, TouchEvery);
            }
        });
        Receive<ClusterEvent.MemberRemoved>(e =>
        {
            _up.Remove(e.Member.Address);
            _log.Info("cluster member removed: {0} (was {1}; {2} up)", e.Member.Address, e.PreviousStatus, _up.Count);
        });
        Receive<ClusterEvent.UnreachableMember>(e => _log.Warning("cluster member unreachable: {0}", e.Member.Address));
        Receive<ClusterEvent.ReachableMember>(e => _log.Info("cluster member reachable again: {0}", e.Member.Address));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<Touch>(_ =>
        {
            var marker = _marker;
            Task.Run(() => TouchMarker(marker));
        });
        Receive<FormAlone>(_ =>
        {
            _log.Warning("no seed of the farm answered in {0}; forming the farm from this node", FormAlonePatience);
            _cluster.Join(_cluster.SelfAddress);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string marker, bool formAloneLater) => Akka.Actor.Props.Create(() => new FarmMembership(marker, formAloneLater));

    /// <summary>Whether the node behind <paramref name="marker"/> was a member of a farm within <see cref="Recent"/>.</summary>
    public static bool WasMemberLately(string marker) =>
        File.Exists(marker) && DateTime.UtcNow - File.GetLastWriteTimeUtc(marker) < Recent;

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        if (_formAloneLater) Timers.StartSingleTimer("form-alone", new FormAlone(), FormAlonePatience);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private static void TouchMarker(string marker)
    {
        if (File.Exists(marker)) File.SetLastWriteTimeUtc(marker, DateTime.UtcNow);
        else File.WriteAllText(marker, "");
    }
}
