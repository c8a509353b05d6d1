namespace PullCluster.Actors.Journal;

public sealed record RecordBlob(string Digest, long Size) : INodeMessage;
public sealed record BlobJournaled(string Digest) : INodeMessage;

public sealed record RecordLayer(LayerRecorded Layer) : INodeMessage;
public sealed record LayerJournaled(string ChainId) : INodeMessage;

public sealed record AcceptPull(string Id, string Image, string? Platform) : INodeMessage;
public sealed record PullJournaled(string Id) : INodeMessage;

public sealed record EndPull(string Id, bool Succeeded, string? Reason) : INodeMessage;

/// <summary>Ask to be told when recovery and reconciliation are done.</summary>
public sealed record AwaitJournalReady : INodeMessage;

/// <summary>The journal is recovered and agrees with the disk; Pulls were accepted and never ended.</summary>
public sealed record JournalReady(IReadOnlyList<PullAccepted> Pulls, ReconcileReport Report) : INodeMessage;

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
