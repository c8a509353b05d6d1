using Akka.Actor;

namespace PullCluster.Actors.Durability;

/// <summary>
/// Asks for everything written so far on the store's file system to be on disk. The ticket comes back in
/// the reply, so a requester can tell the answer to its current request from one to an abandoned one.
/// </summary>
public sealed record AwaitSync(long Ticket) : INodeMessage;

public sealed record Synced(long Ticket) : INodeMessage;

public sealed record SyncFailed(long Ticket, string Reason) : INodeMessage;

/// <summary>
/// Group commit for the store's file system: a layer is durable once one syncfs that started after its
/// files were written has returned. Requests that arrive while a syncfs runs wait for the next one, and
/// all of them share it, so forty layers unpacked together cost a handful of flushes rather than forty,
/// and no unpack thread or cpu slot is held while the disk catches up.
/// </summary>
public sealed class SyncBarrier : ReceiveActor
{
    // Results of this actor's own background work and timers, told to itself: node-local (paths, exceptions, parsed
    // documents), so they are not serialized even where serialize-messages is on.
    private sealed record Flushed(Exception? Error) : INoSerializationVerificationNeeded;

    private readonly string _path;
    private readonly bool _enabled;
    private List<(IActorRef Requester, long Ticket)> _waiting = new();
    private List<(IActorRef Requester, long Ticket)> _inFlight = new();

    public SyncBarrier(string path, bool enabled)
    {
        _path = path;
        _enabled = enabled;
        Receive<AwaitSync>(r =>
        {
            if (!_enabled)
            {
                Sender.Tell(new Synced(r.Ticket));
                return;
            }
            _waiting.Add((Sender, r.Ticket));
            if (_inFlight.Count == 0) Flush();
        });
        Receive<Flushed>(f =>
        {
            foreach (var (requester, ticket) in _inFlight)
            {
                requester.Tell(f.Error is null
                    ? new Synced(ticket)
                    : new SyncFailed(ticket, $"syncfs of {_path} failed: {f.Error.Unwrap().Message}"));
            }
            _inFlight.Clear();
            if (_waiting.Count > 0) Flush();
        });
    }

    public static Props Props(string path, bool enabled) => Akka.Actor.Props.Create(() => new SyncBarrier(path, enabled));

    private void Flush()
    {
        (_inFlight, _waiting) = (_waiting, _inFlight);
        var path = _path;
        // syncfs blocks until the disk has the data: a thread of its own, not the actor dispatcher.
        Task.Factory.StartNew(() =>
        {
            Core.Store.Durability.SyncFileSystem(path);
            return new Flushed(null);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
        .PipeTo(Self, failure: e => new Flushed(e));
    }
}
