using PullCluster.Core.Store;

namespace PullCluster.Host;

/// <summary>
/// One node per store: the BlobActor's singleflight and the layer commits are only exclusive within a node,
/// so a second node on the same directory is refused rather than allowed to race it.
/// </summary>
public static class StoreLock
{
    public static FileStream? Acquire(StoreLayout layout)
    {
        try
        {
            return new FileStream(layout.NodeLock, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
