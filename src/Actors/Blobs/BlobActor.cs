using Akka.Actor;
using Akka.Event;
using PullCluster.Actors.Entities;
using PullCluster.Actors.Journal;
using PullCluster.Actors.Layers;
using PullCluster.Actors.Scheduling;
using PullCluster.Core.Formats;
using PullCluster.Core.Registry;
using PullCluster.Core.Store;

namespace PullCluster.Actors.Blobs;

/// <summary>
/// The one place a blob is fetched: one actor per digest. The first FetchBlob starts a download (after a
/// download slot is granted); every FetchBlob that arrives while it runs waits for the same download
/// (singleflight); once the blob is in the content store, requests are answered at once from there.
/// </summary>
public sealed class BlobActor : ReceiveActor, IWithTimers
{
    // Results of this actor's own background work and timers, told to itself: node-local (paths, exceptions, parsed
    // documents), so they are not serialized even where serialize-messages is on.
    private sealed record Downloaded(string Path, long Bytes) : INoSerializationVerificationNeeded;
    private sealed record DownloadFailed(Exception Cause) : INoSerializationVerificationNeeded;
    private sealed record PublishProgress : INoSerializationVerificationNeeded;

    private readonly Digest _digest;
    private readonly NodeServices _services;
    private readonly IActorRef _downloadSlots;
    private readonly IActorRef _journal;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<IActorRef> _waiters = new();
    private FetchBlob? _request;
    private IActorRef? _initiator;
    private long _received;
    private long _lastPublished = -1;
    private LayerPhase _state = LayerPhase.Waiting;
    private CancellationTokenSource? _cancel;
    private Downloaded? _downloaded;

    public BlobActor(Digest digest, NodeServices services, IActorRef downloadSlots, IActorRef journal)
    {
        _journal = journal;
        _digest = digest;
        _services = services;
        _downloadSlots = downloadSlots;
        Idle();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Digest digest, NodeServices services, IActorRef downloadSlots, IActorRef journal) =>
        Akka.Actor.Props.Create(() => new BlobActor(digest, services, downloadSlots, journal));

    private void Idle()
    {
        Context.SetReceiveTimeout(TimeSpan.FromMinutes(2));
        Receive<FetchBlob>(Start);
        Receive<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate()));
    }

    private void Start(FetchBlob request)
    {
        if (_services.Content.Has(request.Blob))
        {
            Sender.Tell(new BlobAvailable(request.Blob, _services.Content.PathOf(_digest), BlobOrigin.Stored, 0));
            return;
        }
        _request = request;
        _initiator = Sender;
        _waiters.Add(Sender);
        _received = 0;
        _lastPublished = -1;
        Context.SetReceiveTimeout(null);
        Broadcast(LayerPhase.Waiting);
        _downloadSlots.Tell(new AcquireSlot());
        Become(Fetching);
    }

    private void Fetching()
    {
        Receive<FetchBlob>(_ =>
        {
            _waiters.Add(Sender);
            Sender.Tell(new BlobFetchProgress(_digest, Interlocked.Read(ref _received), _request!.Blob.Size, _state));
        });
        Receive<SlotGranted>(_ => BeginDownload());
        Receive<PublishProgress>(_ =>
        {
            var done = Interlocked.Read(ref _received);
            if (done == _lastPublished || _state != LayerPhase.Downloading) return;
            _lastPublished = done;
            Broadcast(_state);
        });
        Receive<BlobFetchProgress>(p => Broadcast(p.State));
        Receive<Downloaded>(d =>
        {
            // Waiters hear of the blob only once the journal holds it, so nothing is told of content a
            // crash could make the node forget.
            _downloaded = d;
            _journal.Tell(new RecordBlob(_digest.ToString(), _request!.Blob.Size));
        });
        Receive<BlobJournaled>(_ => Finished(_downloaded!));
        Receive<DownloadFailed>(Failed);
    }

    private void BeginDownload()
    {
        var request = _request!;
        var registry = _services.Registry;
        var content = _services.Content;
        var self = Self;
        _cancel = new CancellationTokenSource();
        var ct = _cancel.Token;
        Broadcast(LayerPhase.Downloading);
        Timers.StartPeriodicTimer("progress", new PublishProgress(), _services.Settings.ProgressInterval);
        Task.Run(async () =>
        {
            using var ingest = content.OpenIngest(request.Blob);
            var resumed = ingest.Offset;
            Interlocked.Exchange(ref _received, resumed);
            await registry.FetchBlobAsync(request.Source, request.Blob, ingest, n => Interlocked.Add(ref _received, n), ct).ConfigureAwait(false);
            self.Tell(new BlobFetchProgress(_digest, request.Blob.Size, request.Blob.Size, LayerPhase.Verifying));
            try
            {
                return new Downloaded(ingest.Commit(), request.Blob.Size - resumed);
            }
            catch (BlobVerificationException)
            {
                ingest.Discard();
                throw;
            }
        }, ct).PipeTo(self, success: d => d, failure: e => new DownloadFailed(e));
    }

    private void Finished(Downloaded result)
    {
        _log.Info("blob {0} fetched from {1}: {2} bytes", _digest, _request!.Source.Registry, result.Bytes);
        foreach (var waiter in _waiters)
        {
            var origin = waiter.Equals(_initiator) ? BlobOrigin.Fetched : BlobOrigin.Shared;
            waiter.Tell(new BlobAvailable(_request.Blob, result.Path, origin, origin == BlobOrigin.Fetched ? result.Bytes : 0));
        }
        Reset();
    }

    private void Failed(DownloadFailed failure)
    {
        var cause = failure.Cause.Unwrap();
        var reason = cause is RegistryException or BlobVerificationException
            ? cause.Message
            : $"blob {_digest} from {_request!.Source.Registry}/{_request.Source.Repository}: {cause.Message}";
        _log.Warning("fetch of {0} failed: {1}", _digest, reason);
        foreach (var waiter in _waiters) waiter.Tell(new BlobFetchFailed(_digest, reason));
        Reset();
    }

    private void Reset()
    {
        Timers.Cancel("progress");
        _downloadSlots.Tell(new ReleaseSlot());
        _waiters.Clear();
        _request = null;
        _initiator = null;
        _downloaded = null;
        _state = LayerPhase.Waiting;
        _cancel?.Dispose();
        _cancel = null;
        Become(Idle);
    }

    private void Broadcast(LayerPhase state)
    {
        _state = state;
        var progress = new BlobFetchProgress(_digest, Interlocked.Read(ref _received), _request!.Blob.Size, state);
        foreach (var waiter in _waiters) waiter.Tell(progress);
    }

    protected override void PostStop() => _cancel?.Cancel();
}
