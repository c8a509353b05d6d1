using System.Text.Json;
using PullCluster.Core.Formats;

namespace PullCluster.Core.Store;

/// <summary>What the store knows about a committed layer besides its files.</summary>
public sealed record LayerInfo(string ChainId, string? Parent, string DiffId, string Blob, string MediaType, long BlobSize, long UnpackedSize);

/// <summary>
/// Unpacked layers, one directory per chain ID holding that layer's diff (whiteouts recorded), so a runtime
/// can stack them as overlay lower directories. A layer is unpacked into staging/ and becomes visible under
/// its chain ID by one rename; whatever is left in staging/ after a crash is garbage by construction.
/// </summary>
public sealed class LayerStore(StoreLayout layout, bool syncOnCommit)
{
    public StoreLayout Layout { get; } = layout;

    public bool Has(Digest chainId) => Directory.Exists(Layout.LayerPath(chainId)) && File.Exists(Layout.LayerInfoPath(chainId));

    public string PathOf(Digest chainId) => Layout.LayerPath(chainId);

    public string CreateStaging()
    {
        var dir = Path.Combine(Layout.LayerStaging, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Whether a layer must reach the disk (a flush of the file system holding it) before it may commit.</summary>
    public bool SyncOnCommit => syncOnCommit;

    /// <summary>
    /// Writes an unpacked layer's info beside its staging directory. Neither is durable yet: one flush of the
    /// file system, shared with the other layers waiting for one, makes them so, which is far cheaper than an
    /// fsync per file of a layer of thousands of small files.
    /// </summary>
    public void Stage(string staging, LayerInfo info) =>
        File.WriteAllBytes(staging + ".json", JsonSerializer.SerializeToUtf8Bytes(info, StoreJson.Default.LayerInfo));

    /// <summary>
    /// Publishes a staged layer, once it is on disk: its info, then its directory, whose rename is the
    /// commit — a layer is visible (Has) only once both are in place.
    /// </summary>
    public string Commit(string staging, Digest chainId)
    {
        var final = Layout.LayerPath(chainId);
        if (Has(chainId))
        {
            Discard(staging);
            return final;
        }
        if (Directory.Exists(final)) DeleteTree(final);
        File.Move(staging + ".json", Layout.LayerInfoPath(chainId), overwrite: true);
        Directory.Move(staging, final);
        Durability.SyncDirectory(Path.GetDirectoryName(final)!);
        return final;
    }

    /// <summary>Deletes an unpack that will not be committed.</summary>
    public static void Discard(string staging)
    {
        File.Delete(staging + ".json");
        if (Directory.Exists(staging)) DeleteTree(staging);
    }

    public LayerInfo? ReadInfo(Digest chainId)
    {
        var path = Layout.LayerInfoPath(chainId);
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), StoreJson.Default.LayerInfo) : null;
    }

    /// <summary>The committed directories of a chain ID and its ancestors, nearest first.</summary>
    public IReadOnlyList<string> Ancestry(Digest chainId)
    {
        var dirs = new List<string>();
        for (Digest? current = chainId; current is { } c; current = ReadInfo(c)?.Parent is { } p ? Digest.Parse(p) : null)
        {
            if (!Has(c)) break;
            dirs.Add(PathOf(c));
        }
        return dirs;
    }

    public IEnumerable<Digest> List()
    {
        var dir = Path.Combine(Layout.Layers, "sha256");
        if (!Directory.Exists(dir)) yield break;
        foreach (var sub in Directory.EnumerateDirectories(dir))
            if (Digest.TryParse("sha256:" + Path.GetFileName(sub), out var d)) yield return d;
    }

    public void Delete(Digest chainId)
    {
        File.Delete(Layout.LayerInfoPath(chainId));
        var path = Layout.LayerPath(chainId);
        if (Directory.Exists(path)) DeleteTree(path);
    }

    /// <summary>Removes unpacks that never committed (a crash or a failed layer).</summary>
    public int DiscardStaging()
    {
        if (!Directory.Exists(Layout.LayerStaging)) return 0;
        var n = 0;
        foreach (var dir in Directory.EnumerateDirectories(Layout.LayerStaging))
        {
            Discard(dir);
            n++;
        }
        foreach (var orphan in Directory.EnumerateFiles(Layout.LayerStaging, "*.json")) File.Delete(orphan);
        return n;
    }

    /// <summary>Deletes a tree that may hold read-only directories, as unpacked images often do.</summary>
    public static void DeleteTree(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (UnauthorizedAccessException) when (!OperatingSystem.IsWindows())
        {
            foreach (var dir in Directory.EnumerateDirectories(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
                File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.Delete(path, recursive: true);
        }
    }
}
