using System.Buffers;
using static PullCluster.Core.Layers.Native;

namespace PullCluster.Core.Layers;

/// <summary>
/// Copies one node that is not a directory, with its owner, mode, xattrs and times: how flattening copies a layer's
/// entries, and how a layer takes its own copy of a lower layer's file that it hardlinks to.
/// </summary>
internal sealed class NodeCopier(LayerApplyOptions options) : IDisposable
{
    private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(1 << 20);

    /// <summary>Copies <paramref name="source"/> to <paramref name="path"/> (which must not exist); false when it was a device skipped for want of root, or a socket.</summary>
    public bool Copy(string source, string path, in Statx st)
    {
        var type = Posix.TypeOf(st);
        switch (type)
        {
            case SIfReg:
                CopyFile(source, path, st);
                return true;
            case SIfLnk:
                Posix.Symlink(Posix.ReadLink(source), path);
                if (options.PreserveOwnership) Posix.Lchown(path, st.Uid, st.Gid);
                CopyXattrs(source, -1, path, true);
                Posix.SetTimes(path, st.ATime.Sec, st.ATime.Nsec, st.MTime.Sec, st.MTime.Nsec);
                return true;
            case SIfIfo or SIfChr or SIfBlk:
                var made = Metadata.TryMakeNode(path, type, st.RDevMajor, st.RDevMinor);
                if (made < 0) return false;
                if (made != 0) throw Posix.Error("mknod", path, made);
                if (options.PreserveOwnership) Posix.Lchown(path, st.Uid, st.Gid);
                CopyXattrs(source, -1, path, false);
                Posix.Chmod(path, st.Mode & 0xFFFu);
                Posix.SetTimes(path, st.ATime.Sec, st.ATime.Nsec, st.MTime.Sec, st.MTime.Nsec);
                return true;
            default:
                return false;
        }
    }

    private void CopyFile(string source, string path, in Statx st)
    {
        var input = Posix.OpenRead(source);
        try
        {
            var output = Posix.CreateFile(path);
            try
            {
                Posix.CopyData(input, output, (long)st.Size, _buffer, source, path);
                if (options.PreserveOwnership) Posix.Fchown(output, st.Uid, st.Gid, path);
                CopyXattrs(source, output, path, false);
                Posix.Fchmod(output, st.Mode & 0xFFFu, path);
                Posix.FSetTimes(output, st.ATime.Sec, st.ATime.Nsec, st.MTime.Sec, st.MTime.Nsec, path);
                if (options.SyncFiles) Posix.Fsync(output, path);
            }
            finally
            {
                Posix.Close(output);
            }
        }
        finally
        {
            Posix.Close(input);
        }
    }

    /// <summary>Copies the xattrs of <paramref name="source"/> except overlayfs's own, which describe the layer, not the file.</summary>
    public static void CopyXattrs(string source, int fd, string path, bool isSymlink)
    {
        foreach (var (name, value) in Metadata.ContentXattrs(source)) Metadata.SetXattr(fd, path, name, value, isSymlink);
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
}
