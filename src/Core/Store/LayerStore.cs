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

    /// <summary>
    /// Publishes an unpacked layer. With syncOnCommit the file system is flushed first, so a layer that is
    /// visible has all its files on disk; the info file is written last-but-one and the rename is the commit.
    /// </summary>
    public string Commit(string staging, LayerInfo info)
    {
        var chainId = Digest.Parse(info.ChainId);
        var final = Layout.LayerPath(chainId);
        if (Has(chainId))
        {
            DeleteTree(staging);
            return final;
        }
        if (syncOnCommit) Durability.SyncFileSystem(staging);
        if (Directory.Exists(final)) DeleteTree(final);
        AtomicFile.Write(Layout.LayerInfoPath(chainId), JsonSerializer.SerializeToUtf8Bytes(info, StoreJson.Default.LayerInfo), Layout.Tmp);
        Directory.Move(staging, final);
        Durability.SyncDirectory(Path.GetDirectoryName(final)!);
        return final;
    }

    public LayerInfo? ReadInfo(Digest chainId)
    {
        var path = Layout.LayerInfoPath(chainId);
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), StoreJson.Default.LayerInfo) : null;
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
            DeleteTree(dir);
            n++;
        }
        return n;
    }

    /// <summary>Deletes a tree that may hold read-only directories, as unpacked images often do.</summary>
    public static void DeleteTree(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (UnauthorizedAccessException)
        {
            foreach (var dir in Directory.EnumerateDirectories(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
                File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.Delete(path, recursive: true);
        }
    }
}
