using Akka.Actor;

namespace PullCluster.Actors.Farm;

/// <summary>What the members answered, and who did not answer in time.</summary>
public sealed record CensusTaken(string Digest, IReadOnlyList<Holding> Answers, IReadOnlyList<string> Unanswered)
    : INoSerializationVerificationNeeded;

/// <summary>
/// Asks every given member's <see cref="BlobHoldings"/> what it has of one blob, as a blob authority discovers holders,
/// and tells the requester once all have answered or the timeout passed; then stops. Asking the members themselves,
/// rather than the blob's authority, is always current: an authority forgets when it passivates, a store does not.
/// </summary>
/// <remarks>
/// Every <see cref="Holding"/> names the member's <see cref="FarmNode"/>, so a census of a digest nobody holds (even
/// an empty one) also tells where each member serves blobs: that is how <c>cluster show</c> learns the peer URLs,
/// with the farm's existing messages and no new contract between nodes.
/// </remarks>
public sealed class FarmCensus : ReceiveActor, IWithTimers
{
    private sealed record Elapsed : INoSerializationVerificationNeeded;

    private readonly string _digest;
    private readonly IActorRef _requester;
    private readonly IReadOnlyList<string> _members;
    private readonly TimeSpan _timeout;
    private readonly HashSet<string> _unanswered;
    private readonly List<Holding> _answers = new();

    public FarmCensus(string digest, IReadOnlyList<string> members, TimeSpan timeout, IActorRef requester)
    {
        _digest = digest;
        _requester = requester;
        _members = members;
        _timeout = timeout;
        _unanswered = new HashSet<string>(members, StringComparer.Ordinal);
        Receive<Holding>(holding =>
        {
            if (!_unanswered.Remove(holding.Node.Address)) return;
            _answers.Add(holding);
            if (_unanswered.Count == 0) Report();
        });
        Receive<Elapsed>(_ => Report());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string digest, IReadOnlyList<string> members, TimeSpan timeout, IActorRef requester) =>
        Akka.Actor.Props.Create(() => new FarmCensus(digest, members, timeout, requester));

    protected override void PreStart()
    {
        foreach (var member in _members) Context.ActorSelection($"{member}/user/{BlobHoldings.Name}").Tell(new WhoHolds(_digest));
        if (_members.Count == 0) Self.Tell(new Elapsed());
        else Timers.StartSingleTimer("timeout", new Elapsed(), _timeout);
    }

    private void Report()
    {
        _requester.Tell(new CensusTaken(_digest, _answers.ToList(), _unanswered.Order(StringComparer.Ordinal).ToList()));
        Context.Stop(Self);
    }
}
