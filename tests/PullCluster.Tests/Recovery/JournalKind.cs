namespace PullCluster.Tests.Recovery;

/// <summary>Where a node keeps its store journal.</summary>
public enum JournalKind
{
    /// <summary>journal.db in the store, the default.</summary>
    Sqlite,

    /// <summary>The database given with --postgres.</summary>
    Postgres,
}
