using Microsoft.Data.Sqlite;

namespace PullCluster.Tests.Recovery;

/// <summary>
/// A stopped node's journal.db, opened directly to damage it. The event table and its payload column are found
/// from the schema (the table holding rows under the journal's manifests, its binary column) rather than assumed.
/// </summary>
public sealed class SqliteJournalFile(string path)
{
    /// <summary>Overwrites the payload of the first event stored under <paramref name="manifest"/>; returns its sequence number.</summary>
    public long CorruptFirstPayload(string manifest, byte[] garbage)
    {
        using var connection = Open();
        var (table, payload) = EventTable(connection, manifest);
        using var find = Command(connection, $"SELECT rowid, sequence_number FROM [{table}] WHERE manifest = $m ORDER BY rowid LIMIT 1", ("$m", manifest));
        using var reader = find.ExecuteReader();
        if (!reader.Read()) throw new InvalidOperationException($"{path}: no {manifest} row in table {table}");
        var (rowid, sequence) = (reader.GetInt64(0), reader.GetInt64(1));
        reader.Close();
        using var update = Command(connection, $"UPDATE [{table}] SET [{payload}] = $g WHERE rowid = $r", ("$g", garbage), ("$r", rowid));
        if (update.ExecuteNonQuery() != 1) throw new InvalidOperationException($"{path}: could not overwrite row {rowid} of {table}");
        return sequence;
    }

    private SqliteConnection Open()
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no SQLite journal at {path}", path);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ConnectionString);
        connection.Open();
        return connection;
    }

    private (string Table, string Payload) EventTable(SqliteConnection connection, string manifest)
    {
        var tables = new List<string>();
        using (var list = Command(connection, "SELECT name FROM sqlite_master WHERE type = 'table'"))
        using (var reader = list.ExecuteReader())
            while (reader.Read()) tables.Add(reader.GetString(0));
        var schema = new List<string>();
        foreach (var table in tables)
        {
            var columns = new List<(string Name, string Type)>();
            using (var info = Command(connection, $"PRAGMA table_info([{table}])"))
            using (var reader = info.ExecuteReader())
                while (reader.Read()) columns.Add((reader.GetString(1), reader.GetString(2)));
            schema.Add($"{table}({string.Join(", ", columns.Select(c => $"{c.Name} {c.Type}"))})");
            var binary = columns.Where(c => c.Type.Contains("BINARY", StringComparison.OrdinalIgnoreCase) || c.Type.Contains("BLOB", StringComparison.OrdinalIgnoreCase)).ToList();
            if (binary.Count != 1 || !columns.Any(c => c.Name == "manifest") || !columns.Any(c => c.Name == "sequence_number")) continue;
            using var count = Command(connection, $"SELECT COUNT(*) FROM [{table}] WHERE manifest = $m", ("$m", manifest));
            if ((long)count.ExecuteScalar()! > 0) return (table, binary[0].Name);
        }
        throw new InvalidOperationException($"{path}: no table holds {manifest} events with one binary payload column; schema: {string.Join("; ", schema)}");
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command;
    }
}
