namespace PullCluster.Core.Store;

/// <summary>Write-to-temp, fsync, rename, fsync-directory: the one way the store publishes a small file.</summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> bytes, string tmpDir)
    {
        Directory.CreateDirectory(tmpDir);
        var tmp = Path.Combine(tmpDir, $"{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                fs.Write(bytes);
                Durability.SyncFile(fs);
            }
            File.Move(tmp, path, overwrite: true);
            Durability.SyncDirectory(Path.GetDirectoryName(path)!);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }
}
