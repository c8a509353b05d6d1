using Akka.Configuration;

namespace PullCluster.Actors.Journal;

/// <summary>
/// Where the store journal lives. SQLite in the store directory needs no set-up; PostgreSQL (for a cluster
/// sharing one database) is chosen by giving a connection string.
/// </summary>
public sealed record JournalSettings(string? PostgresConnectionString = null, bool VerifyOnStart = true)
{
    public const string SqliteProvider = "SQLite.MS";
    public const string PostgresProvider = "PostgreSQL.15";

    public bool IsPostgres => !string.IsNullOrWhiteSpace(PostgresConnectionString);

    public static JournalSettings FromConfig(Config? c) => c is null
        ? new JournalSettings()
        : new JournalSettings(
            PostgresConnectionString: NullIfEmpty(c.GetString("postgres", "")),
            VerifyOnStart: c.GetBoolean("verify-on-start", true));

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    /// <summary>The Akka configuration for the journal, its snapshot store and its serializer.</summary>
    public Config ToAkkaConfig(string storeRoot)
    {
        var (provider, connection) = IsPostgres
            ? (PostgresProvider, PostgresConnectionString!)
            : (SqliteProvider, $"Data Source={Path.Combine(storeRoot, "journal.db")};Pooling=True");
        var quoted = "\"" + connection.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        return ConfigurationFactory.ParseString($$"""
            akka.actor {
              serializers.pullcluster-journal = "PullCluster.Actors.Journal.JournalSerializer, PullCluster.Actors"
              serialization-bindings {
                "PullCluster.Actors.Journal.IJournalEvent, PullCluster.Actors" = pullcluster-journal
                "PullCluster.Actors.Journal.JournalSnapshot, PullCluster.Actors" = pullcluster-journal
              }
            }
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql {
                  class = "Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql"
                  connection-string = {{quoted}}
                  provider-name = "{{provider}}"
                  auto-initialize = on
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
                  class = "Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql"
                  connection-string = {{quoted}}
                  provider-name = "{{provider}}"
                  auto-initialize = on
                }
              }
            }
            """);
    }
}
