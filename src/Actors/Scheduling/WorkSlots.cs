using Akka.Actor;

namespace PullCluster.Actors.Scheduling;

public sealed record AcquireSlot : INodeMessage;
public sealed record SlotGranted(string Pool) : INodeMessage;
public sealed record ReleaseSlot : INodeMessage;

/// <summary>
/// A counting semaphore as an actor: at most Limit holders, the rest queue in arrival order. Two pools
/// exist per node — downloads (network) and cpu (decompress, hash, untar) — so many layers can download
/// while unpacking never oversubscribes the cores. A holder that dies gives its slot back.
/// </summary>
public sealed class WorkSlots : ReceiveActor
{
    private readonly string _pool;
    private readonly int _limit;
    private readonly HashSet<IActorRef> _holders = new();
    private readonly LinkedList<IActorRef> _waiting = new();

    public WorkSlots(string pool, int limit)
    {
        _pool = pool;
        _limit = limit;
        Receive<AcquireSlot>(_ => Acquire(Sender));
        Receive<ReleaseSlot>(_ => Release(Sender));
        Receive<Terminated>(t =>
        {
            _waiting.Remove(t.ActorRef);
            Release(t.ActorRef);
        });
    }

    public static Props Props(string pool, int limit) => Akka.Actor.Props.Create(() => new WorkSlots(pool, limit));

    private void Acquire(IActorRef requester)
    {
        if (_holders.Contains(requester) || _waiting.Contains(requester)) return;
        Context.Watch(requester);
        if (_holders.Count < _limit) Grant(requester);
        else _waiting.AddLast(requester);
    }

    private void Grant(IActorRef requester)
    {
        _holders.Add(requester);
        requester.Tell(new SlotGranted(_pool));
    }

    private void Release(IActorRef holder)
    {
        if (!_holders.Remove(holder)) return;
        Context.Unwatch(holder);
        while (_holders.Count < _limit && _waiting.First is { } next)
        {
            _waiting.RemoveFirst();
            Grant(next.Value);
        }
    }
}
