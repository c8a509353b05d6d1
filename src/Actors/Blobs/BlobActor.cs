using Akka.Actor;
using Akka.Event;
using PullCluster.Actors.Entities;
using PullCluster.Actors.Farm;
using PullCluster.Actors.Journal;
using PullCluster.Actors.Layers;
using PullCluster.Actors.Scheduling;
using PullCluster.Core.Formats;
using PullCluster.Core.Peers;
using PullCluster.Core.Registry;
using PullCluster.Core.Store;

namespace PullCluster.Actors.Blobs;

/// <summary>
/// The one place a blob is fetched onto this node: one actor per digest. The first FetchBlob takes a download slot and
/// asks the farm's <see cref="BlobAuthority"/> for the digest where to get the blob: from the registry (this node is its
/// fetcher) or from a peer that holds it or is still receiving it. Every FetchBlob that arrives meanwhile waits for the
/// same transfer (singleflight on the node, as the authority is across the farm); a blob already in the content store
/// is answered at once.
/// </summary>
/// <remarks>
/// Whatever the source, the bytes go through the same ingest, which checks size and digest before the blob becomes
/// visible. A peer that fails (dies, is cut, sends wrong bytes) is excluded for this blob and the authority is asked
/// again, keeping what already arrived for a ranged resume; an authority that does not answer (its shard is moving
/// after a node died) is asked again, and after <see cref="AuthorityPatience"/> the node fetches from the registry
/// itself rather than hang.
/// </remarks>
public sealed class BlobActor : ReceiveActor, IWithTimers
{
    // Results of this actor's own background work and timers, told to itself: node-local (paths, exceptions, parsed
    // documents), so they are not serialized even where serialize-messages is on.
    private sealed record Downloaded(string Path) : INoSerializationVerificationNeeded;
    private sealed record DownloadFailed(Exception Cause, FarmNode? Peer) : INoSerializationVerificationNeeded;
    private sealed record PublishProgress : INoSerializationVerificationNeeded;
    private sealed record AskAuthority : INoSerializationVerificationNeeded;

    /// <summary>How long one question to the authority may go unanswered before it is asked again.</summary>
    public static readonly TimeSpan AuthorityTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How long the node keeps asking before it fetches from the registry on its own.</summary>
    public static readonly TimeSpan AuthorityPatience = TimeSpan.FromSeconds(45);

    /// <summary>A peer the authority names may not have opened its ingest yet: its 404 is retried this often first.</summary>
    private const int NotYetRetries = 6;
    private static readonly TimeSpan NotYetPause = TimeSpan.FromMilliseconds(500);

    /// <summary>Failed peers after which the node stops asking and fetches from the registry.</summary>
    private const int MaxPeerFailures = 5;

    private readonly Digest _digest;
    private readonly NodeServices _services;
    private readonly IActorRef _downloadSlots;
    private readonly IActorRef _journal;
    private readonly IActorRef _authority;
    private readonly FarmNode _self;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<IActorRef> _waiters = new();
    private readonly List<string> _excluded = new();
    private FetchBlob? _request;
    private IActorRef? _initiator;
    private long _received;
    private long _fromRegistry;
    private long _fromPeers;
    private long _lastPublished = -1;
    private DateTime _askingSince;
    private LayerPhase _state = LayerPhase.Waiting;
    private CancellationTokenSource? _cancel;
    private Downloaded? _downloaded;
    private FarmNode? _source;

    public BlobActor(Digest digest, NodeServices services, IActorRef downloadSlots, IActorRef journal, IActorRef authority, FarmNode self)
    {
        _journal = journal;
        _digest = digest;
        _services = services;
        _downloadSlots = downloadSlots;
        _authority = authority;
        _self = self;
        Idle();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Digest digest, NodeServices services, IActorRef downloadSlots, IActorRef journal, IActorRef authority, FarmNode self) =>
        Akka.Actor.Props.Create(() => new BlobActor(digest, services, downloadSlots, journal, authority, self));

    private void Idle()
    {
        Context.SetReceiveTimeout(TimeSpan.FromMinutes(2));
        Receive<FetchBlob>(Start);
        Receive<ReceiveTimeout>(_ => Context.Parent.Tell(new Entities.Passivate()));
        // Answers to a question of a transfer that already ended.
        Receive<FetchFromRegistry>(_ => { });
        Receive<FetchFromPeer>(_ => { });
    }

    private void Start(FetchBlob request)
    {
        if (_services.Content.Has(request.Blob))
        {
            Sender.Tell(new BlobAvailable(request.Blob, _services.Content.PathOf(_digest), BlobOrigin.Stored, 0, 0));
            return;
        }
        _request = request;
        _initiator = Sender;
        _waiters.Add(Sender);
        _received = _fromRegistry = _fromPeers = 0;
        _lastPublished = -1;
        _excluded.Clear();
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
        Receive<SlotGranted>(_ =>
        {
            _askingSince = DateTime.UtcNow;
            Ask();
        });
        Receive<AskAuthority>(_ =>
        {
            if (DateTime.UtcNow - _askingSince < AuthorityPatience)
            {
                Ask();
                return;
            }
            _log.Warning("blob {0}: the farm's authority for it did not answer in {1}; fetching it from the registry", _digest, AuthorityPatience);
            BeginDownload(null);
        });
        Receive<FetchFromRegistry>(_ =>
        {
            if (!Timers.IsTimerActive("ask")) return;
            Timers.Cancel("ask");
            BeginDownload(null);
        });
        Receive<FetchFromPeer>(answer =>
        {
            if (!Timers.IsTimerActive("ask")) return;
            Timers.Cancel("ask");
            BeginDownload(answer.Source);
        });
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
        Receive<DownloadFailed>(OnDownloadFailed);
    }

    private void Ask()
    {
        _authority.Tell(new AcquireBlob(_digest.ToString(), _request!.Blob.Size, _self, _excluded.ToList()));
        Timers.StartSingleTimer("ask", new AskAuthority(), AuthorityTimeout);
    }

    /// <param name="peer">Where to take the blob from; null: the registry.</param>
    private void BeginDownload(FarmNode? peer)
    {
        var request = _request!;
        var registry = _services.Registry;
        var peers = _services.Peers;
        var content = _services.Content;
        var self = Self;
        _source = peer;
        _cancel?.Dispose();
        _cancel = new CancellationTokenSource();
        var ct = _cancel.Token;
        Broadcast(LayerPhase.Downloading);
        Timers.StartPeriodicTimer("progress", new PublishProgress(), _services.Settings.ProgressInterval);
        Task.Run(async () =>
        {
            using var ingest = content.OpenIngest(request.Blob);
            Interlocked.Exchange(ref _received, ingest.Offset);
            try
            {
                if (peer is null)
                {
                    await registry.FetchBlobAsync(request.Source, request.Blob, ingest, n => Count(ref _fromRegistry, n), ct).ConfigureAwait(false);
                }
                else
                {
                    await FromPeerAsync(peers, peer, request.Blob, ingest, ct).ConfigureAwait(false);
                }
                self.Tell(new BlobFetchProgress(_digest, request.Blob.Size, request.Blob.Size, LayerPhase.Verifying));
                return new Downloaded(ingest.Commit());
            }
            catch (BlobVerificationException)
            {
                ingest.Discard();
                throw;
            }
        }, ct).PipeTo(self, success: d => d, failure: e => new DownloadFailed(e, peer));
    }

    private async Task FromPeerAsync(PeerClient peers, FarmNode peer, Descriptor blob, BlobIngest ingest, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await peers.FetchBlobAsync(new Uri(peer.PeerUrl), blob, ingest, n => Count(ref _fromPeers, n), ct).ConfigureAwait(false);
                return;
            }
            catch (PeerException e) when (e.StatusCode == 404 && attempt < NotYetRetries)
            {
                await Task.Delay(NotYetPause, ct).ConfigureAwait(false);
            }
        }
    }

    private void Count(ref long source, long n)
    {
        Interlocked.Add(ref source, n);
        Interlocked.Add(ref _received, n);
    }

    private void OnDownloadFailed(DownloadFailed failure)
    {
        var cause = failure.Cause.Unwrap();
        if (failure.Peer is { } peer && _excluded.Count < MaxPeerFailures)
        {
            // The peer is dropped for this blob; what arrived stays in the ingest (unless it failed verification) and
            // the next source resumes after it.
            _log.Warning("blob {0}: peer {1} failed ({2}); asking the farm for another source", _digest, peer, cause.Message);
            _excluded.Add(peer.Key);
            Timers.Cancel("progress");
            _cancel?.Dispose();
            _cancel = null;
            Broadcast(LayerPhase.Waiting);
            _authority.Tell(new BlobFetchAbandoned(_digest.ToString(), _self));
            _askingSince = DateTime.UtcNow;
            Ask();
            return;
        }
        if (failure.Peer is not null)
        {
            _log.Warning("blob {0}: {1} peers failed; fetching it from the registry", _digest, _excluded.Count);
            Timers.Cancel("progress");
            BeginDownload(null);
            return;
        }
        var reason = cause is RegistryException or BlobVerificationException
            ? cause.Message
            : $"blob {_digest} from {_request!.Source.Registry}/{_request.Source.Repository}: {cause.Message}";
        _log.Warning("fetch of {0} failed: {1}", _digest, reason);
        _authority.Tell(new BlobFetchAbandoned(_digest.ToString(), _self));
        foreach (var waiter in _waiters) waiter.Tell(new BlobFetchFailed(_digest, reason));
        Reset();
    }

    private void Finished(Downloaded result)
    {
        var fromRegistry = Interlocked.Read(ref _fromRegistry);
        var fromPeers = Interlocked.Read(ref _fromPeers);
        _log.Info("blob {0} fetched: {1} bytes from {2}, {3} bytes from peers{4}", _digest, fromRegistry, _request!.Source.Registry,
            fromPeers, _source is null ? "" : $" (last from {_source})");
        _authority.Tell(new BlobHeld(_digest.ToString(), _self));
        foreach (var waiter in _waiters)
        {
            var first = waiter.Equals(_initiator);
            waiter.Tell(new BlobAvailable(_request.Blob, result.Path, first ? BlobOrigin.Fetched : BlobOrigin.Shared,
                first ? fromRegistry : 0, first ? fromPeers : 0));
        }
        Reset();
    }

    private void Reset()
    {
        Timers.CancelAll();
        _downloadSlots.Tell(new ReleaseSlot());
        _waiters.Clear();
        _request = null;
        _initiator = null;
        _downloaded = null;
        _source = null;
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
