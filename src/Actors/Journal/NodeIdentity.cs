using PullCluster.Core.Store;

namespace PullCluster.Actors.Journal;

/// <summary>
/// A node's stable id, kept in its store: it names the node's journal, so nodes sharing one PostgreSQL
/// database never read each other's records, and a restarted node finds its own.
/// </summary>
public static class NodeIdentity
{
    public static string Of(StoreLayout layout)
    {
        var path = Path.Combine(layout.Root, "node-id");
        if (File.Exists(path))
        {
            var id = File.ReadAllText(path).Trim();
            if (id.Length > 0) return id;
        }
        var created = Guid.NewGuid().ToString("N");
        AtomicFile.Write(path, System.Text.Encoding.UTF8.GetBytes(created + "\n"), layout.Tmp);
        return created;
    }
}
