using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace PullCluster.Actors.Farm;

/// <summary>
/// The farm's authority for one blob digest, one sharded entity per digest (see <see cref="BlobAuthorityRouting"/>):
/// it decides which node fetches the blob from the registry and where every other node takes it from.
/// </summary>
/// <remarks>
/// It keeps nothing on disk: a fresh incarnation (after passivation, or after its shard moved because a node died)
/// asks every member what it has of the blob before it answers, so holders and nodes still receiving are found
/// again and the registry is not asked twice. Requests that arrive while it asks are answered together, which is
/// also what lets it spread the first fetches of an image over the nodes that asked.
/// </remarks>
public sealed class BlobAuthority : ReceiveActor, IWithTimers
{
    private sealed record Decide : INoSerializationVerificationNeeded;
    private sealed record GatherElapsed : INoSerializationVerificationNeeded;

    /// <summary>Requests from nodes that start an image together arrive within this window; they are answered together.</summary>
    public static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(150);

    /// <summary>A member that has not said what it holds by then is taken to hold nothing.</summary>
    public static readonly TimeSpan DiscoveryTimeout = TimeSpan.FromSeconds(1);

    private readonly BlobSources _sources;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<(AcquireBlob Request, IActorRef ReplyTo)> _pending = new();
    private readonly HashSet<string> _unanswered = new();
    private bool _gathered;

    public BlobAuthority(string digest)
    {
        _sources = new BlobSources(digest);
        Unknown();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string digest) => Akka.Actor.Props.Create(() => new BlobAuthority(digest));

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Unknown()
    {
        Receive<AcquireBlob>(request =>
        {
            _pending.Add((request, Sender));
            Discover(request.Requester.Key);
        });
        ReceiveCommon();
    }

    private void Discover(string requester)
    {
        var members = _cluster.State.Members
            .Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp && !_cluster.State.Unreachable.Contains(m))
            .Where(m => FarmNode.KeyOf(m.UniqueAddress) != requester)
            .ToList();
        Become(Discovering);
        if (members.Count == 0)
        {
            Self.Tell(new Decide());
            return;
        }
        foreach (var member in members)
        {
            _unanswered.Add(FarmNode.KeyOf(member.UniqueAddress));
            Context.ActorSelection($"{member.Address}/user/{BlobHoldings.Name}").Tell(new WhoHolds(_sources.Digest));
        }
        Timers.StartSingleTimer("gather", new GatherElapsed(), Gather);
        Timers.StartSingleTimer("discovery", new Decide(), DiscoveryTimeout);
    }

    private void Discovering()
    {
        Receive<AcquireBlob>(request => _pending.Add((request, Sender)));
        Receive<Holding>(holding =>
        {
            _sources.Learned(holding);
            _unanswered.Remove(holding.Node.Key);
            if (_unanswered.Count == 0 && _gathered) Answer();
        });
        Receive<GatherElapsed>(_ =>
        {
            _gathered = true;
            if (_unanswered.Count == 0) Answer();
        });
        Receive<Decide>(_ =>
        {
            if (_unanswered.Count > 0)
                _log.Info("blob {0}: no answer from {1} within {2}; deciding without it", _sources.Digest, string.Join(", ", _unanswered), DiscoveryTimeout);
            Answer();
        });
        ReceiveCommon();
    }

    private void Answer()
    {
        Timers.CancelAll();
        _unanswered.Clear();
        var answers = _sources.AssignTogether(_pending.Select(p => p.Request).ToList());
        for (var i = 0; i < _pending.Count; i++) Reply(_pending[i].Request, answers[i], _pending[i].ReplyTo);
        _pending.Clear();
        Become(Known);
    }

    private void Known()
    {
        Context.SetReceiveTimeout(TimeSpan.FromMinutes(2));
        Receive<AcquireBlob>(request => Reply(request, _sources.Assign(request), Sender));
        Receive<Holding>(_sources.Learned);
        // Sharding's own passivation, so messages that arrive while it stops are kept for the next incarnation;
        // a transfer in progress is not forgotten even when nobody asks for a while.
        Receive<ReceiveTimeout>(_ =>
        {
            if (!_sources.IsBusy) Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
        ReceiveCommon();
    }

    private void ReceiveCommon()
    {
        Receive<BlobHeld>(held => _sources.Held(held.Holder));
        Receive<BlobFetchAbandoned>(abandoned => _sources.Abandoned(abandoned.Node));
        Receive<ClusterEvent.UnreachableMember>(e => _sources.Gone(FarmNode.KeyOf(e.Member.UniqueAddress)));
        Receive<ClusterEvent.MemberRemoved>(e => _sources.Gone(FarmNode.KeyOf(e.Member.UniqueAddress)));
        Receive<ClusterEvent.IReachabilityEvent>(_ => { });
    }

    private void Reply(AcquireBlob request, IFarmMessage answer, IActorRef replyTo)
    {
        if (answer is FetchFromRegistry)
            _log.Info("blob {0}: {1} fetches it from the registry", _sources.Digest, request.Requester);
        else if (answer is FetchFromPeer peer)
            _log.Debug("blob {0}: {1} takes it from {2}", _sources.Digest, request.Requester, peer.Source);
        replyTo.Tell(answer);
    }
}
