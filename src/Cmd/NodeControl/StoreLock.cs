namespace PullCluster.Cmd.NodeControl;

/// <summary>
/// An exclusive lock on the store's node.lock, so that of twenty CLIs finding no node only one starts it.
/// On Unix, .NET takes FileShare.None as flock(LOCK_EX | LOCK_NB): the kernel drops it when the holder
/// exits, so a crashed CLI never leaves the store locked.
/// </summary>
public static class StoreLock
{
    public static FileStream? TryAcquire(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliFailure($"cannot lock {path}: {e.Message}");
        }
    }
}
