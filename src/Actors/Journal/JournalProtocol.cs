namespace PullCluster.Actors.Journal;

public sealed record RecordBlob(string Digest, long Size);
public sealed record BlobJournaled(string Digest);

public sealed record RecordLayer(LayerRecorded Layer);
public sealed record LayerJournaled(string ChainId);

public sealed record AcceptPull(string Id, string Image, string? Platform);
public sealed record PullJournaled(string Id);

public sealed record EndPull(string Id, bool Succeeded, string? Reason);

/// <summary>Ask to be told when recovery and reconciliation are done.</summary>
public sealed record AwaitJournalReady;

/// <summary>The journal is recovered and agrees with the disk; Pulls were accepted and never ended.</summary>
public sealed record JournalReady(IReadOnlyList<PullAccepted> Pulls, ReconcileReport Report);

public sealed record ReconcileReport(
    int Blobs,
    int Layers,
    int BlobsForgotten,
    int BlobsAdopted,
    int LayersForgotten,
    int LayersAdopted,
    int UnreadableRows,
    TimeSpan RecoveryTime,
    TimeSpan ReconcileTime);
