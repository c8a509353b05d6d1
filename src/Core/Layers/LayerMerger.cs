using static PullCluster.Core.Layers.Native;

namespace PullCluster.Core.Layers;

/// <summary>
/// Applies unpacked layer diffs, bottom to top, onto one directory by copying: per directory, deletions (opaque
/// marker, whiteouts of either style) come first, since they only hide lower layers, then this layer's entries.
/// </summary>
internal sealed class LayerMerger(string root, LayerApplyOptions options, CancellationToken ct) : IDisposable
{
    private readonly NodeCopier _copier = new(options);

    /// <summary>Directory metadata, applied at the end; entries whose path is no longer a directory are stale and skipped.</summary>
    private readonly Dictionary<string, Statx> _dirMeta = [];

    /// <summary>Within the layer being applied: inode → where its first link was copied.</summary>
    private readonly Dictionary<(uint, uint, ulong), string> _links = [];

    private string Full(string rel) => rel.Length == 0 ? root : string.Concat(root, "/", rel);

    public void Apply(string layerRoot)
    {
        _links.Clear();
        Merge(layerRoot, "");
    }

    public void Finish()
    {
        foreach (var (rel, st) in _dirMeta)
        {
            ct.ThrowIfCancellationRequested();
            var path = Full(rel);
            if (!Posix.TryLstat(path, out var now) || !Posix.IsDir(now)) continue;
            Posix.Chmod(path, st.Mode & 0xFFFu);
            Posix.SetTimes(path, st.ATime.Sec, st.ATime.Nsec, st.MTime.Sec, st.MTime.Nsec);
        }
    }

    private void Merge(string layerDir, string rel)
    {
        var entries = Posix.ReadDir(layerDir);
        var target = Full(rel);

        if (IsOpaque(layerDir, entries)) Posix.RemoveChildren(target);
        foreach (var (name, type) in entries)
        {
            if (name.StartsWith(Whiteout.Prefix, StringComparison.Ordinal))
            {
                if (!name.StartsWith(Whiteout.MetaPrefix, StringComparison.Ordinal) && Whiteout.Target(name) is { } victim)
                    Posix.RemoveAll(Full(RawPath.Join(rel, victim)));
            }
            else if (type is Posix.DtChr or Posix.DtUnknown && Metadata.IsOverlayWhiteout(Posix.Lstat(string.Concat(layerDir, "/", name))))
            {
                Posix.RemoveAll(Full(RawPath.Join(rel, name)));
            }
        }

        foreach (var (name, type) in entries)
        {
            ct.ThrowIfCancellationRequested();
            if (name.StartsWith(Whiteout.Prefix, StringComparison.Ordinal)) continue;
            var source = string.Concat(layerDir, "/", name);
            var st = Posix.Lstat(source);
            if (Metadata.IsOverlayWhiteout(st)) continue;

            var childRel = RawPath.Join(rel, name);
            var path = Full(childRel);
            var exists = Posix.TryLstat(path, out var existing);
            if (Posix.IsDir(st))
            {
                if (exists && !Posix.IsDir(existing)) Posix.Unlink(path);
                if (!exists || !Posix.IsDir(existing)) Posix.Mkdir(path, 0x1c0);
                else RemoveXattrsNotIn(source, path);
                if (options.PreserveOwnership) Posix.Lchown(path, st.Uid, st.Gid);
                NodeCopier.CopyXattrs(source, -1, path, false);
                _dirMeta[childRel] = st;
                Merge(source, childRel);
                continue;
            }

            if (exists) Posix.RemoveAll(path);
            var inode = (st.DevMajor, st.DevMinor, st.Ino);
            if (st.NLink > 1 && _links.TryGetValue(inode, out var first))
            {
                var rc = Posix.TryLink(Full(first), path);
                if (rc != 0) throw Posix.Error($"link to '{RawPath.Display(first)}' at", path, rc);
                continue;
            }
            if (_copier.Copy(source, path, st) && st.NLink > 1) _links[inode] = childRel;
        }
    }

    private static bool IsOpaque(string layerDir, List<(string Name, byte Type)> entries)
    {
        foreach (var (name, _) in entries)
            if (name == Whiteout.Opaque) return true;
        return Posix.GetXattr(layerDir, Whiteout.OverlayOpaqueXattr) is [(byte)'y'];
    }

    /// <summary>An upper directory replaces the lower one's metadata, xattrs included.</summary>
    private static void RemoveXattrsNotIn(string source, string path)
    {
        var present = Posix.ListXattrs(path);
        if (present.Count == 0) return;
        var wanted = Posix.ListXattrs(source);
        foreach (var name in present)
            if (!wanted.Exists(w => w.AsSpan().SequenceEqual(name)))
                Posix.RemoveXattr(path, name);
    }

    public void Dispose() => _copier.Dispose();
}
