namespace PullCluster.Core.Layers;

/// <summary>Gives directories a layer only implied the metadata of the same directory in the nearest parent layer.</summary>
internal static class ImplicitDirectories
{
    private enum Found { Nothing, Directory, Hidden }

    public static void Inherit(string diffRoot, IEnumerable<string> rels, IReadOnlyList<string> parentRoots, bool preserveOwnership)
    {
        foreach (var rel in rels)
        {
            var path = string.Concat(diffRoot, "/", rel);
            if (!Posix.TryLstat(path, out var own) || !Posix.IsDir(own)) continue;
            // Deleted and recreated by this very layer: what stood below is gone, metadata included.
            if (IsOpaque(path) || IsWhitedOut(diffRoot, rel)) continue;
            foreach (var parentRoot in parentRoots)
            {
                var found = Probe(parentRoot, rel);
                if (found == Found.Nothing) continue;
                if (found == Found.Directory) Copy(string.Concat(parentRoot, "/", rel), path, preserveOwnership);
                break;
            }
        }
    }

    /// <summary>
    /// What one layer diff says about a directory path, component by component without following symlinks: it has the
    /// directory, it hides every layer below (a whiteout, an opaque parent, something else in the way), or nothing.
    /// </summary>
    private static Found Probe(string layerRoot, string rel)
    {
        var at = layerRoot;
        var opaqueAbove = false;
        foreach (var part in rel.Split('/'))
        {
            opaqueAbove |= IsOpaque(at);
            if (Posix.TryLstat(string.Concat(at, "/", Whiteout.Prefix, part), out _)) return Found.Hidden;
            var next = string.Concat(at, "/", part);
            if (!Posix.TryLstat(next, out var st)) return opaqueAbove ? Found.Hidden : Found.Nothing;
            if (!Posix.IsDir(st)) return Found.Hidden;
            at = next;
        }
        return Found.Directory;
    }

    private static bool IsWhitedOut(string layerRoot, string rel)
    {
        var (dir, name) = EntryPath.Split(rel);
        return Posix.TryLstat(string.Concat(layerRoot, "/", RawPath.Join(dir, Whiteout.Prefix + name)), out _);
    }

    private static bool IsOpaque(string dir) =>
        Posix.TryLstat(string.Concat(dir, "/", Whiteout.Opaque), out _) ||
        Posix.GetXattr(dir, Whiteout.OverlayOpaqueXattr) is [(byte)'y'];

    private static void Copy(string source, string path, bool preserveOwnership)
    {
        var st = Posix.Lstat(source);
        if (preserveOwnership) Posix.Lchown(path, st.Uid, st.Gid);
        foreach (var name in Posix.ListXattrs(source))
        {
            if (name.AsSpan().StartsWith(Whiteout.OverlayXattrPrefix)) continue;
            if (Posix.GetXattr(source, name) is { } value) Metadata.SetXattr(-1, path, name, value, false);
        }
        Posix.Chmod(path, st.Mode & 0xFFFu);
        Posix.SetTimes(path, st.ATime.Sec, st.ATime.Nsec, st.MTime.Sec, st.MTime.Nsec);
    }
}
