using Npgsql;

namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL place of its own for one test, in the server PULLCLUSTER_TEST_PG names (scripts/test.sh sets it):
/// a fresh database <c>pc_&lt;random&gt;</c> when the role may create databases, otherwise a fresh schema of that name
/// in the configured database, reached through the connection string's search path. Dropped on dispose.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    public const string Variable = "PULLCLUSTER_TEST_PG";

    private readonly string _admin;
    private readonly bool _ownDatabase;

    private PostgresDatabase(string admin, string name, bool ownDatabase, string connectionString)
    {
        _admin = admin;
        Name = name;
        _ownDatabase = ownDatabase;
        ConnectionString = connectionString;
    }

    /// <summary>pc_&lt;random&gt;: the database, or the schema when the role cannot create databases.</summary>
    public string Name { get; }

    /// <summary>True for a database of its own; false for a schema in the shared database.</summary>
    public bool IsDatabase => _ownDatabase;

    /// <summary>An Npgsql connection string whose unqualified tables land in this test's database or schema.</summary>
    public string ConnectionString { get; }

    /// <summary>The connection string of PULLCLUSTER_TEST_PG; throws, naming the variable, when it is unset.</summary>
    public static string ConfiguredConnectionString() =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set: the PostgreSQL specs need a server (scripts/test.sh starts one and sets it, e.g. " +
                "\"Host=127.0.0.1;Port=5432;Username=pullcluster;Password=pullcluster;Database=pullcluster\")");

    public static async Task<PostgresDatabase> CreateAsync()
    {
        var admin = ConfiguredConnectionString();
        var name = $"pc_{Guid.NewGuid():N}"[..19];
        await using var connection = await OpenAsync(admin);
        var mayCreateDatabases = (bool)(await Scalar(connection, "SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user"))!;
        if (mayCreateDatabases)
        {
            await Execute(connection, $"CREATE DATABASE {name}");
            var own = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
            return new PostgresDatabase(admin, name, true, own);
        }
        await Execute(connection, $"CREATE SCHEMA {name}");
        var scoped = new NpgsqlConnectionStringBuilder(admin) { SearchPath = name }.ConnectionString;
        return new PostgresDatabase(admin, name, false, scoped);
    }

    /// <summary>Runs one statement in this test's database or schema; returns the first column of the first row.</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = await OpenAsync(ConnectionString);
        return await Scalar(connection, sql);
    }

    public async ValueTask DisposeAsync()
    {
        await using var connection = await OpenAsync(_admin);
        await Execute(connection, _ownDatabase ? $"DROP DATABASE IF EXISTS {Name} WITH (FORCE)" : $"DROP SCHEMA IF EXISTS {Name} CASCADE");
    }

    public override string ToString() => $"PostgreSQL {(_ownDatabase ? "database" : "schema")} {Name}";

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            await connection.DisposeAsync();
            var target = new NpgsqlConnectionStringBuilder(connectionString);
            throw new InvalidOperationException(
                $"cannot connect to PostgreSQL at {target.Host}:{target.Port} (database {target.Database}, user {target.Username}): {e.Message}", e);
        }
    }

    private static async Task<object?> Scalar(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
