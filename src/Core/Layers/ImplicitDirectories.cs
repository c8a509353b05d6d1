namespace PullCluster.Core.Layers;

/// <summary>Gives directories a layer only implied the metadata of the same directory in the nearest parent layer.</summary>
internal static class ImplicitDirectories
{
    private enum Found { Nothing, Directory, Hidden }

    /// <returns>The directories whose metadata changed.</returns>
    public static IReadOnlyList<string> Inherit(string diffRoot, IEnumerable<string> rels, IReadOnlyList<string> parentRoots, bool preserveOwnership)
    {
        var probes = parentRoots.Select(r => new LayerProbe(r)).ToList();
        var changed = new List<string>();
        foreach (var rel in rels)
        {
            var path = string.Concat(diffRoot, "/", rel);
            if (!Posix.TryLstat(path, out var own) || !Posix.IsDir(own)) continue;
            // Deleted and recreated by this very layer: what stood below is gone, metadata included.
            if (IsOpaque(path) || IsWhitedOut(diffRoot, rel)) continue;
            foreach (var probe in probes)
            {
                var found = probe.Find(rel);
                if (found == Found.Nothing) continue;
                if (found == Found.Directory)
                {
                    Copy(string.Concat(probe.Root, "/", rel), path, preserveOwnership);
                    changed.Add(path);
                }
                break;
            }
        }
        return changed;
    }

    /// <summary>
    /// What one layer diff says about directory paths, component by component without following symlinks: it has the
    /// directory, it hides every layer below (a whiteout, an opaque parent, something else in the way), or nothing.
    /// Answers are kept per path prefix: a layer's implicit directories share their prefixes, and a deep chain asks
    /// every ancestor about each of them, so probing each prefix once keeps a many-layer image linear.
    /// </summary>
    private sealed class LayerProbe(string root)
    {
        private readonly Dictionary<string, (Found Found, bool OpaqueThrough)> _known = new(StringComparer.Ordinal);

        public string Root => root;

        public Found Find(string rel) => Resolve(rel).Found;

        // OpaqueThrough: some directory from the root down to this one, itself included, is opaque, so a name
        // missing below it is hidden rather than absent.
        private (Found Found, bool OpaqueThrough) Resolve(string rel)
        {
            if (_known.TryGetValue(rel, out var known)) return known;
            (Found, bool) result;
            if (rel.Length == 0) result = (Found.Directory, IsOpaque(root));
            else
            {
                var (dir, name) = EntryPath.Split(rel);
                var parent = Resolve(dir);
                result = parent.Found != Found.Directory ? parent : Step(dir, name, parent.OpaqueThrough);
            }
            _known[rel] = result;
            return result;
        }

        private (Found, bool) Step(string dir, string name, bool opaqueAbove)
        {
            var at = dir.Length == 0 ? root : string.Concat(root, "/", dir);
            if (Posix.TryLstat(string.Concat(at, "/", Whiteout.Prefix, name), out _)) return (Found.Hidden, opaqueAbove);
            var next = string.Concat(at, "/", name);
            if (!Posix.TryLstat(next, out var st)) return (opaqueAbove ? Found.Hidden : Found.Nothing, opaqueAbove);
            if (!Posix.IsDir(st)) return (Found.Hidden, opaqueAbove);
            return (Found.Directory, opaqueAbove || IsOpaque(next));
        }
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
