namespace PullCluster.Actors.Journal;

// Events of the store journal. Each is written under a short, versioned manifest (see JournalSerializer),
// never under its CLR type name, so renaming or moving these records cannot break recovery. A change of
// shape gets a new manifest (".v2") and the old one keeps being read.

public interface IJournalEvent;

/// <summary>The blob is verified and durable in the content store.</summary>
public sealed record BlobRecorded(string Digest, long Size) : IJournalEvent;

/// <summary>The layer's directory is committed under its chain ID.</summary>
public sealed record LayerRecorded(string ChainId, string? Parent, string DiffId, string Blob) : IJournalEvent;

/// <summary>A record that reconciliation found untrue (missing or corrupt on disk); the content will be fetched again.</summary>
public sealed record ContentForgotten(string Kind, string Id, string Reason) : IJournalEvent;

/// <summary>A pull was accepted; until PullEnded it is resumed after a restart.</summary>
public sealed record PullAccepted(string Id, string Image, string? Platform) : IJournalEvent;

public sealed record PullEnded(string Id, bool Succeeded, string? Reason) : IJournalEvent;

/// <summary>
/// Stands in for a journal row that could not be read (corrupt or written by an unknown version), so that
/// one bad row is reported and skipped instead of stopping the node.
/// </summary>
public sealed record UnreadableEvent(string Manifest, string Error) : IJournalEvent;
