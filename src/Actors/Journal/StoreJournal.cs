using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using PullCluster.Core.Store;

namespace PullCluster.Actors.Journal;

/// <summary>
/// The node's persisted record of completed blobs, committed layers and pulls in flight
/// (Akka.Persistence.Sql: SQLite in the store by default, PostgreSQL by configuration). Records are
/// written only after the disk holds what they claim, so the journal never claims more than the disk.
/// On start it recovers, reconciles with the disk, and then tells waiters which pulls to resume.
/// </summary>
public sealed class StoreJournal : ReceivePersistentActor
{
    // Results of this actor's own background work and timers, told to itself: node-local (paths, exceptions, parsed
    // documents), so they are not serialized even where serialize-messages is on.
    private sealed record Reconciled(IReadOnlyList<IJournalEvent> Corrections, TimeSpan Elapsed) : INoSerializationVerificationNeeded;
    private sealed record Verified(IReadOnlyList<IJournalEvent> Corrections) : INoSerializationVerificationNeeded;
    private sealed record ReconcileFailed(Exception Cause) : INoSerializationVerificationNeeded;

    private const int SnapshotEvery = 1000;
    private readonly NodeServices _services;
    private readonly bool _verifyOnStart;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<IActorRef> _readyWaiters = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private JournalState _state = new();
    private JournalReady? _ready;
    private int _unreadable;
    private int _sinceSnapshot;
    private TimeSpan _recoveryTime;

    public StoreJournal(string persistenceId, NodeServices services, bool verifyOnStart)
    {
        PersistenceId = persistenceId;
        _services = services;
        _verifyOnStart = verifyOnStart;

        Recover<SnapshotOffer>(offer =>
        {
            _sinceSnapshot = 0;
            if (offer.Snapshot is JournalSnapshot snapshot) _state = snapshot.ToState();
            else _log.Warning("store journal snapshot {0} could not be read; reconciliation with the disk replaces it", offer.Metadata.SequenceNr);
        });
        Recover<UnreadableEvent>(e =>
        {
            _unreadable++;
            _log.Warning("dropped an unreadable store journal row ({0}: {1}); reconciliation with the disk replaces it", e.Manifest, e.Error);
        });
        Recover<IJournalEvent>(AppliedInBatch);
        Recover<RecoveryCompleted>(_ => BeginReconcile());

        Command<AwaitJournalReady>(_ =>
        {
            if (_ready is not null) Sender.Tell(_ready);
            else _readyWaiters.Add(Sender);
        });
        Command<Reconciled>(OnReconciled);
        Command<ReconcileFailed>(f =>
        {
            _log.Error(f.Cause, "reconciling the store journal with {0} failed; serving without corrections", _services.Layout.Root);
            SetReady(TimeSpan.Zero, []);
        });
        Command<Verified>(v => PersistCorrections(v.Corrections));
        Command<RecordBlob>(r => PersistThenReply(new BlobRecorded(r.Digest, r.Size), new BlobJournaled(r.Digest)));
        Command<RecordLayer>(r => PersistThenReply(r.Layer, new LayerJournaled(r.Layer.ChainId)));
        Command<AcceptPull>(a => PersistThenReply(new PullAccepted(a.Id, a.Image, a.Platform), new PullJournaled(a.Id)));
        Command<EndPull>(e => PersistThenReply(new PullEnded(e.Id, e.Succeeded, e.Reason), null));
        Command<SaveSnapshotSuccess>(s => DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(f => _log.Warning("store journal snapshot failed: {0}", f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    public override string PersistenceId { get; }

    public static Props Props(string persistenceId, NodeServices services, bool verifyOnStart) =>
        Akka.Actor.Props.Create(() => new StoreJournal(persistenceId, services, verifyOnStart));

    private void BeginReconcile()
    {
        _recoveryTime = _clock.Elapsed;
        var state = _state;
        var services = _services;
        var started = Stopwatch.StartNew();
        Task.Run(() => new Reconciled(StoreReconciler.Reconcile(state, services.Content, services.Layers), started.Elapsed))
            .PipeTo(Self, failure: e => new ReconcileFailed(e));
    }

    private void OnReconciled(Reconciled reconciled)
    {
        LogCorrections(reconciled.Corrections);
        PersistAll(reconciled.Corrections, AppliedInBatch);
        DeferAsync(reconciled, r => SetReady(r.Elapsed, r.Corrections));
        if (_verifyOnStart)
        {
            var digests = _state.Blobs.Keys.ToList();
            var content = _services.Content;
            Task.Factory.StartNew(() => new Verified(StoreReconciler.VerifyBlobs(digests, content, CancellationToken.None)),
                    CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                .PipeTo(Self, failure: e => new ReconcileFailed(e));
        }
    }

    private void SetReady(TimeSpan reconcileTime, IReadOnlyList<IJournalEvent> corrections)
    {
        var report = new ReconcileReport(
            _state.Blobs.Count, _state.Layers.Count,
            corrections.Count(c => c is ContentForgotten { Kind: ContentKinds.Blob }),
            corrections.Count(c => c is BlobRecorded),
            corrections.Count(c => c is ContentForgotten { Kind: ContentKinds.Layer }),
            corrections.Count(c => c is LayerRecorded),
            _unreadable, _recoveryTime, reconcileTime);
        _ready = new JournalReady(_state.Pulls.Values.ToList(), report);
        _log.Info(
            $"store journal ready: {report.Blobs} blobs, {report.Layers} layers, {_ready.Pulls.Count} pulls to resume; " +
            $"recovered in {report.RecoveryTime.TotalMilliseconds:F0} ms, reconciled in {report.ReconcileTime.TotalMilliseconds:F0} ms " +
            $"({report.BlobsForgotten} blobs forgotten, {report.BlobsAdopted} adopted; {report.LayersForgotten} layers forgotten, " +
            $"{report.LayersAdopted} adopted; {report.UnreadableRows} unreadable rows dropped)");
        foreach (var w in _readyWaiters) w.Tell(_ready);
        _readyWaiters.Clear();
        // A long replay or a large reconciliation is worth a snapshot now, so the next start does not replay it.
        SnapshotIfDue();
    }

    private void PersistCorrections(IReadOnlyList<IJournalEvent> corrections)
    {
        foreach (var e in corrections) _log.Warning("store journal corrected after verification: {0}", e);
        PersistAll(corrections, AppliedInBatch);
        DeferAsync(corrections, _ => SnapshotIfDue());
    }

    // What was lost is named one by one (it is rare and it is what an operator looks for); what was adopted
    // can be a whole store the journal never saw, so past a few names it is counted.
    private void LogCorrections(IReadOnlyList<IJournalEvent> corrections)
    {
        const int named = 20;
        foreach (var e in corrections.OfType<ContentForgotten>()) _log.Info("store journal corrected: {0}", e);
        var adopted = corrections.Where(e => e is not ContentForgotten).ToList();
        foreach (var e in adopted.Take(named)) _log.Info("store journal corrected: {0}", e);
        if (adopted.Count > named) _log.Info("store journal corrected: {0} more blobs and layers adopted from the disk", adopted.Count - named);
    }

    private void Applied(IJournalEvent e)
    {
        AppliedInBatch(e);
        SnapshotIfDue();
    }

    // A batch (the replay, or a whole store adopted at start) is snapshotted once at its end, not every thousand events.
    private void AppliedInBatch(IJournalEvent e)
    {
        _state.Apply(e);
        _sinceSnapshot++;
    }

    private void SnapshotIfDue()
    {
        // Counted rather than taken from the sequence number, which a batch of corrections can step over.
        if (_sinceSnapshot < SnapshotEvery) return;
        _sinceSnapshot = 0;
        SaveSnapshot(JournalSnapshot.From(_state));
    }

    private void PersistThenReply(IJournalEvent e, object? reply)
    {
        var sender = Sender;
        // Asynchronous persists keep accepting records while earlier ones are written, so the journal plugin
        // can batch the records of many layers committing together instead of a round trip each; handlers
        // still run in order, and each reply still waits for its own record.
        PersistAsync(e, persisted =>
        {
            Applied(persisted);
            if (reply is not null) sender.Tell(reply);
        });
    }
}
