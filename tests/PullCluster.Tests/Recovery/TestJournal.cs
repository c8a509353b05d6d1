using PullCluster.Tests.Infrastructure;

namespace PullCluster.Tests.Recovery;

/// <summary>
/// A test's journal backend: nothing to prepare for SQLite (the node keeps journal.db in its store); for PostgreSQL, a
/// database or schema of the test's own, so no spec reads another's rows.
/// </summary>
public sealed class TestJournal : IAsyncDisposable
{
    private TestJournal(JournalKind kind, PostgresDatabase? database)
    {
        Kind = kind;
        Database = database;
    }

    public JournalKind Kind { get; }

    public PostgresDatabase? Database { get; }

    public static async Task<TestJournal> CreateAsync(JournalKind kind) =>
        kind == JournalKind.Postgres ? new TestJournal(kind, await PostgresDatabase.CreateAsync()) : new TestJournal(kind, null);

    /// <summary>Node options for this backend, with <paramref name="environment"/> (e.g. a failpoint) added.</summary>
    public NodeProcess.Options NodeOptions(IReadOnlyDictionary<string, string>? environment = null, TimeSpan? startTimeout = null) =>
        new(Database?.ConnectionString, environment, startTimeout);

    public async ValueTask DisposeAsync()
    {
        if (Database is not null) await Database.DisposeAsync();
    }

    public override string ToString() => Database?.ToString() ?? "SQLite";
}
