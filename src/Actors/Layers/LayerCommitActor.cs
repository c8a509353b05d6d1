using Akka.Actor;
using Akka.Event;
using PullCluster.Actors.Blobs;
using PullCluster.Actors.Durability;
using PullCluster.Actors.Entities;
using PullCluster.Actors.Journal;
using PullCluster.Actors.Scheduling;
using PullCluster.Core.Formats;
using PullCluster.Core.Layers;
using PullCluster.Core.Store;

namespace PullCluster.Actors.Layers;

/// <summary>
/// The one place a layer commits: one actor per chain ID. It fetches its blob and unpacks it as soon as it
/// can, in any order relative to other layers, but commits only after its parent chain ID has committed,
/// and only once however many pulls ask. A layer that is already in the store is answered at once.
/// </summary>
public sealed class LayerCommitActor : ReceiveActor
{
    // Results of this actor's own background work and timers, told to itself: node-local (paths, exceptions, parsed
    // documents), so they are not serialized even where serialize-messages is on.
    private sealed record Unpacked(string Staging, LayerUnpackResult Result) : INoSerializationVerificationNeeded;
    private sealed record UnpackFailed(string? Staging, Exception Cause) : INoSerializationVerificationNeeded;
    private sealed record Committed(string Path) : INoSerializationVerificationNeeded;
    private sealed record CommitFailed(Exception Cause) : INoSerializationVerificationNeeded;

    private readonly Digest _chainId;
    private readonly NodeServices _services;
    private readonly IActorRef _blobs;
    private readonly IActorRef _layers;
    private readonly IActorRef _cpuSlots;
    private readonly IActorRef _journal;
    private readonly IActorRef _syncBarrier;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<IActorRef> _requesters = new();
    private readonly List<IActorRef> _awaiters = new();
    private CommitLayer? _request;
    private BlobAvailable? _blob;
    private Unpacked? _unpacked;
    private string? _committedPath;
    private bool _parentCommitted;
    private bool _synced;
    private long _attempt;
    private LayerPhase _state = LayerPhase.Waiting;

    /// <param name="layers">The region of this node's layers, where the parent's actor is reached.</param>
    public LayerCommitActor(Digest chainId, NodeServices services, IActorRef blobs, IActorRef layers, IActorRef cpuSlots, IActorRef journal, IActorRef syncBarrier)
    {
        _layers = layers;
        _journal = journal;
        _syncBarrier = syncBarrier;
        _chainId = chainId;
        _services = services;
        _blobs = blobs;
        _cpuSlots = cpuSlots;
        Idle();
    }

    public static Props Props(Digest chainId, NodeServices services, IActorRef blobs, IActorRef layers, IActorRef cpuSlots, IActorRef journal, IActorRef syncBarrier) =>
        Akka.Actor.Props.Create(() => new LayerCommitActor(chainId, services, blobs, layers, cpuSlots, journal, syncBarrier));

    private string LayerPath => _services.Layers.PathOf(_chainId);

    private void Idle()
    {
        Context.SetReceiveTimeout(TimeSpan.FromMinutes(2));
        Receive<CommitLayer>(Start);
        Receive<AwaitLayer>(_ =>
        {
            if (_services.Layers.Has(_chainId)) Sender.Tell(new LayerCommitted(_chainId, LayerPath, BlobOrigin.Stored, 0, 0));
            else
            {
                _awaiters.Add(Sender);
                Context.SetReceiveTimeout(null);
            }
        });
        Receive<ReceiveTimeout>(_ =>
        {
            if (_awaiters.Count == 0) Context.Parent.Tell(new Passivate());
        });
        // Work of an attempt that already failed (its parent failed, say) still comes back; its slot and
        // its staging directory must not outlive it.
        Receive<SlotGranted>(_ => _cpuSlots.Tell(new ReleaseSlot()));
        Receive<Unpacked>(u =>
        {
            _cpuSlots.Tell(new ReleaseSlot());
            DeleteStagingAsync(u.Staging);
        });
        Receive<UnpackFailed>(f =>
        {
            _cpuSlots.Tell(new ReleaseSlot());
            if (f.Staging is not null) DeleteStagingAsync(f.Staging);
        });
        Receive<BlobFetchProgress>(_ => { });
        Receive<BlobAvailable>(_ => { });
        Receive<BlobFetchFailed>(_ => { });
        Receive<LayerCommitted>(_ => { });
        Receive<LayerFailed>(_ => { });
        Receive<Synced>(_ => { });
        Receive<SyncFailed>(_ => { });
    }

    private void Start(CommitLayer request)
    {
        var layerPresent = _services.Layers.Has(_chainId);
        if (layerPresent && _services.Content.Has(request.Blob.Digest))
        {
            Sender.Tell(new LayerCommitted(_chainId, LayerPath, BlobOrigin.Stored, 0, 0));
            return;
        }
        Context.SetReceiveTimeout(null);
        _attempt++;
        _request = request;
        _requesters.Add(Sender);
        if (layerPresent)
        {
            // The layer survived but its blob did not (reconciliation forgot it): the image must still hold
            // the blob the registry served, for export and for peers, so fetch it without unpacking again.
            _committedPath = LayerPath;
            _blobs.Tell(new FetchBlob(request.Source, request.Blob));
            Become(Working);
            return;
        }
        _parentCommitted = request.Parent is null;
        if (request.Parent is { } parent) _layers.Tell(new AwaitLayer(parent));
        _blobs.Tell(new FetchBlob(request.Source, request.Blob));
        Become(Working);
    }

    private void Working()
    {
        Receive<CommitLayer>(_ =>
        {
            _requesters.Add(Sender);
            Sender.Tell(Status(_state));
        });
        Receive<AwaitLayer>(_ =>
        {
            if (_committedPath is not null) Sender.Tell(new LayerCommitted(_chainId, _committedPath, BlobOrigin.Stored, 0, 0));
            else _awaiters.Add(Sender);
        });
        Receive<BlobFetchProgress>(p =>
        {
            _state = p.State;
            Publish(new LayerStatus(_chainId, p.Digest, p.Done, p.Total, p.State));
        });
        Receive<BlobAvailable>(blob =>
        {
            _blob = blob;
            if (_committedPath is not null)
            {
                Done(_committedPath);
                return;
            }
            _state = LayerPhase.Downloaded;
            Publish(Status(_state));
            _cpuSlots.Tell(new AcquireSlot());
        });
        Receive<BlobFetchFailed>(f => Fail(f.Reason));
        Receive<SlotGranted>(_ => BeginUnpack());
        Receive<Unpacked>(u =>
        {
            _cpuSlots.Tell(new ReleaseSlot());
            if (u.Result.DiffId != _request!.DiffId)
            {
                DeleteStagingAsync(u.Staging);
                Fail($"layer {_request.Blob.Digest}: diff id mismatch: the image config says {_request.DiffId}, the content is {u.Result.DiffId}");
                return;
            }
            _unpacked = u;
            // Whatever its place in the chain, so that layers unpacked together share one flush and none
            // waits for its parent before its data reaches the disk.
            _syncBarrier.Tell(new AwaitSync(_attempt));
        });
        Receive<Synced>(s =>
        {
            if (s.Ticket != _attempt) return;
            _synced = true;
            TryCommit();
        });
        Receive<SyncFailed>(f =>
        {
            if (f.Ticket != _attempt) return;
            DeleteStagingAsync(_unpacked!.Staging);
            Fail($"layer {_request!.Blob.Digest}: {f.Reason}");
        });
        Receive<UnpackFailed>(f =>
        {
            _cpuSlots.Tell(new ReleaseSlot());
            if (f.Staging is not null) DeleteStagingAsync(f.Staging);
            var cause = f.Cause.Unwrap();
            var hint = cause is LayerFormatException { IsDecompressionBomb: true } ? " (bounds: pullcluster.layers.max-uncompressed-size, max-expansion-ratio)" : "";
            Fail($"layer {_request!.Blob.Digest} of {_request.Source}: {cause.Message}{hint}");
        });
        Receive<LayerCommitted>(c =>
        {
            if (c.ChainId != _request!.Parent) return;
            _parentCommitted = true;
            TryCommit();
        });
        Receive<LayerFailed>(f =>
        {
            if (f.ChainId != _request!.Parent) return;
            if (_unpacked is not null) DeleteStagingAsync(_unpacked.Staging);
            Fail($"parent layer failed: {f.Reason}");
        });
        Receive<Committed>(c =>
        {
            _committedPath = c.Path;
            Failpoints.Hit(Failpoints.AfterLayerCommit);
            // A child may commit as soon as this directory is in place; the journal record can follow,
            // since reconciliation adopts a committed directory the journal missed.
            foreach (var awaiter in _awaiters) awaiter.Tell(new LayerCommitted(_chainId, c.Path, BlobOrigin.Stored, 0, 0));
            _awaiters.Clear();
            var r = _request!;
            _journal.Tell(new RecordLayer(new LayerRecorded(_chainId.ToString(), r.Parent?.ToString(), r.DiffId.ToString(), r.Blob.Digest.ToString())));
        });
        Receive<LayerJournaled>(_ => Done(_committedPath!));
        Receive<CommitFailed>(f =>
        {
            if (_unpacked is not null) DeleteStagingAsync(_unpacked.Staging);
            Fail($"layer {_request!.Blob.Digest}: commit failed: {f.Cause.Message}");
        });
    }

    private void BeginUnpack()
    {
        var request = _request!;
        var blobPath = _blob!.Path;
        var layers = _services.Layers;
        var options = _services.ApplyOptions;
        var chainId = _chainId;
        _state = LayerPhase.Extracting;
        Publish(Status(_state));
        // Unpacking blocks on decompression and file writes for up to seconds: it gets a thread of its own,
        // bounded by the cpu slot, so neither the actor dispatcher nor the async I/O pool is starved.
        Task.Factory.StartNew(() =>
        {
            var staging = layers.CreateStaging();
            try
            {
                using var file = new FileStream(blobPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
                var compression = MediaTypes.CompressionOf(request.Blob.MediaType);
                var result = LayerUnpacker.UnpackDiff(file, compression, staging, options, CancellationToken.None);
                if (result.DiffId == request.DiffId)
                {
                    layers.Stage(staging, new LayerInfo(
                        chainId.ToString(), request.Parent?.ToString(), request.DiffId.ToString(), request.Blob.Digest.ToString(),
                        request.Blob.MediaType, request.Blob.Size, result.UncompressedBytes));
                }
                return (object)new Unpacked(staging, result);
            }
            catch (Exception e)
            {
                return new UnpackFailed(staging, e);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
        .PipeTo(Self, failure: e => new UnpackFailed(null, e));
    }

    /// <summary>A layer commits once it is on disk (synced, which it asks for once unpacked) and its parent is committed.</summary>
    private void TryCommit()
    {
        if (_synced && _parentCommitted) Commit();
    }

    private void Commit()
    {
        var unpacked = _unpacked!;
        var parent = _request!.Parent;
        var chainId = _chainId;
        var layers = _services.Layers;
        var options = _services.ApplyOptions;
        Task.Run(() =>
        {
            var lower = unpacked.Result.Lower;
            if ((parent is not null && !lower.IsEmpty) || lower.PendingLinks > 0)
            {
                // Unpacked before its parents were, the layer could not tell where entries below a lower symlink
                // belong, link to lower files, or give implied directories the metadata below them; now that the
                // parents are committed it can, as it would have at unpack. Only what changed since the shared sync
                // is fsync'd (the first fsync commits the file system's journal, the rest find little left to do)
                // instead of another flush of every layer still being written, which would put a whole flush
                // between each parent and child.
                var changed = LayerUnpacker.Rebase(unpacked.Staging, unpacked.Result, parent is { } p ? layers.Ancestry(p) : [], options);
                if (layers.SyncOnCommit) LayerUnpacker.Sync(changed);
            }
            return new Committed(layers.Commit(unpacked.Staging, chainId));
        }).PipeTo(Self, failure: e => new CommitFailed(e));
    }

    private void Done(string path)
    {
        _log.Debug("layer {0} committed", _chainId);
        var blob = _blob!;
        foreach (var requester in _requesters)
        {
            var first = requester.Equals(_requesters[0]);
            var origin = blob.Origin switch
            {
                BlobOrigin.Stored => BlobOrigin.Stored,
                _ when first => blob.Origin,
                _ => BlobOrigin.Shared,
            };
            requester.Tell(new LayerCommitted(_chainId, path, origin, first ? blob.FromRegistry : 0, first ? blob.FromPeers : 0));
        }
        Reset();
    }

    private void Fail(string reason)
    {
        _log.Warning("layer {0} failed: {1}", _chainId, reason);
        var failed = new LayerFailed(_chainId, reason);
        foreach (var r in _requesters.Concat(_awaiters)) r.Tell(failed);
        Reset();
    }

    private void Reset()
    {
        _requesters.Clear();
        _awaiters.Clear();
        _request = null;
        _blob = null;
        _unpacked = null;
        _committedPath = null;
        _synced = false;
        _state = LayerPhase.Waiting;
        Become(Idle);
    }

    private LayerStatus Status(LayerPhase state) =>
        new(_chainId, _request!.Blob.Digest, _blob is null ? 0 : _request.Blob.Size, _request.Blob.Size, state);

    private void Publish(LayerStatus status)
    {
        foreach (var r in _requesters) r.Tell(status);
    }

    private static void DeleteStagingAsync(string staging) => Task.Run(() => LayerStore.Discard(staging));
}
