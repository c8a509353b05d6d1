namespace PullCluster.Core.Layers;

/// <summary>
/// Places a layer unpacked on its own onto the layers below it, once they are known, so that its diff records each
/// change where a runtime stacking the diffs will see it, as docker, containerd and umoci apply the same tar onto the
/// lower layers' tree:
/// <list type="bullet">
/// <item>a directory the tar only implied, at a path where a lower layer has a symlink, moves to where the symlink
/// resolves inside the image (an entry <c>lib/x</c> over <c>lib -> usr/lib</c> belongs in <c>usr/lib/x</c>, and
/// <c>lib</c> stays a symlink), whiteouts and opaque markers below it included;</item>
/// <item>a hardlink to a file only a lower layer has gets that file copied into this layer to link to, as
/// overlayfs's copy-up does when a link is made in a container;</item>
/// <item>directories the tar only implied take the metadata of the directory below them.</item>
/// </list>
/// </summary>
internal sealed class LayerRebase : IDisposable
{
    private readonly string _root;
    private readonly LayerApplyOptions _options;
    private readonly SortedSet<string> _implied;
    private readonly LayerStack _stack;
    private readonly NodeCopier _copier;
    private readonly List<string> _changed = [];

    private LayerRebase(string root, LowerReferences lower, IReadOnlyList<string> parents, LayerApplyOptions options)
    {
        _root = root;
        _options = options;
        _implied = new SortedSet<string>(lower.ImpliedDirectories, StringComparer.Ordinal);
        _stack = new LayerStack(root, parents, _implied, options.Whiteouts);
        _copier = new NodeCopier(options);
    }

    /// <returns>The paths (raw) whose entries or metadata changed, for a caller that must make them durable.</returns>
    public static IReadOnlyList<string> Apply(string root, LowerReferences lower, IReadOnlyList<string> parents, LayerApplyOptions options)
    {
        using var rebase = new LayerRebase(root, lower, parents, options);
        if (parents.Count > 0) rebase.Relocate();
        foreach (var link in lower.Links) rebase.Link(link);
        if (parents.Count > 0) rebase.Inherit();
        return rebase._changed;
    }

    private string Full(string rel) => _stack.Full(0, rel);

    private void Relocate()
    {
        // A directory moved under a lower symlink's target may meet another symlink there: repeat until nothing moves.
        while (RelocateOnce()) { }
    }

    private bool RelocateOnce()
    {
        var moved = false;
        // Ordinal order puts a directory before everything below it, so the shallowest redirected one moves first
        // and takes its implied subdirectories along.
        foreach (var dir in _implied.ToList())
        {
            if (!_implied.Contains(dir) || _stack.Lookup(dir).Kind != LayerStack.Kind.Symlink) continue;
            var target = _stack.Resolve(dir, followLast: true, dir);
            if (target == dir || target.StartsWith(dir + "/", StringComparison.Ordinal))
                throw LayerFormatException.Entry(dir, $"cannot be resolved inside the image: a lower layer's symlink makes it '{RawPath.Display(target)}', below itself");
            EnsureDirectory(EntryPath.Split(target).Parent, dir);
            MoveInto(dir, target);
            _stack.TopChanged();
            moved = true;
        }
        return moved;
    }

    /// <summary>Moves the top layer's <paramref name="from"/> to <paramref name="to"/>, merging into a directory already there.</summary>
    private void MoveInto(string from, string to)
    {
        var source = Full(from);
        var target = Full(to);
        if (Posix.TryLstat(target, out var st))
        {
            if (Posix.IsDir(st))
            {
                foreach (var (name, _) in Posix.ReadDir(source)) MoveChild(RawPath.Join(from, name), RawPath.Join(to, name));
                // An aufs marker moved with the children; overlayfs's opaque attribute stays on the source and must follow.
                if (Metadata.IsOpaqueDirectory(source, markers: false)) Metadata.SetOverlayOpaque(target);
                Posix.Rmdir(source);
                Forget(from);
                _changed.Add(Full(EntryPath.Split(from).Parent));
                return;
            }
            // This layer whited the path out and also wrote below it through the symlink: the directory it now makes
            // there must not merge with the lower ones, as when a tar recreates a path it deleted.
            var whiteout = Metadata.IsOverlayWhiteout(st);
            Posix.Unlink(target);
            Rename(from, to);
            if (whiteout) Metadata.SetOverlayOpaque(target);
            return;
        }
        Rename(from, to);
    }

    private void MoveChild(string from, string to)
    {
        // Merging into an ancestor (a symlink to "..", or to "/"), a name that repeats the directory being moved would
        // land on that directory itself.
        if (from.StartsWith(to + "/", StringComparison.Ordinal))
            throw LayerFormatException.Entry(from, $"cannot be resolved inside the image: it would replace '{RawPath.Display(to)}', which holds it");
        var source = Posix.Lstat(Full(from));
        if (Posix.TryLstat(Full(to), out var there))
        {
            if (Posix.IsDir(source) && Posix.IsDir(there))
            {
                MoveInto(from, to);
                return;
            }
            // Both names were written by this layer; the one written through the symlink is taken to be the later.
            Posix.RemoveAll(Full(to));
            Forget(to);
        }
        Rename(from, to);
    }

    private void Rename(string from, string to)
    {
        Posix.Rename(Full(from), Full(to));
        _changed.Add(Full(EntryPath.Split(from).Parent));
        _changed.Add(Full(EntryPath.Split(to).Parent));
        var prefix = from + "/";
        foreach (var moved in _implied.Where(d => d == from || d.StartsWith(prefix, StringComparison.Ordinal)).ToList())
        {
            _implied.Remove(moved);
            _implied.Add(to + moved[from.Length..]);
        }
    }

    private void Forget(string rel)
    {
        var prefix = rel + "/";
        _implied.RemoveWhere(d => d == rel || d.StartsWith(prefix, StringComparison.Ordinal));
    }

    /// <summary>Makes <paramref name="rel"/> a directory of the top layer, creating what is missing as implied directories.</summary>
    private void EnsureDirectory(string rel, string entryName)
    {
        if (rel.Length == 0) return;
        var path = Full(rel);
        if (Posix.TryLstat(path, out var st))
        {
            if (Posix.IsDir(st)) return;
            throw LayerFormatException.Entry(entryName,
                $"cannot be placed: it resolves below '{RawPath.Display(rel)}', which this layer makes a {(Metadata.IsOverlayWhiteout(st) ? "whiteout" : "non-directory")}");
        }
        EnsureDirectory(EntryPath.Split(rel).Parent, entryName);
        Posix.Mkdir(path, 0x1ed);
        _implied.Add(rel);
        _changed.Add(path);
        _changed.Add(Full(EntryPath.Split(rel).Parent));
        _stack.TopChanged();
    }

    private void Link(DeferredLink link)
    {
        var (parent, name) = EntryPath.Split(link.Path);
        var at = RawPath.Join(_stack.Resolve(parent, followLast: true, link.EntryName), name);
        // A later entry of this layer at the same path replaced the link, as later entries do.
        if (Posix.TryLstat(Full(at), out _)) return;
        var (targetParent, targetName) = EntryPath.Split(link.Target);
        var target = RawPath.Join(_stack.Resolve(targetParent, followLast: true, link.EntryName), targetName);
        var node = _stack.Lookup(target);
        var shown = RawPath.Display(link.Target);
        switch (node.Kind)
        {
            case LayerStack.Kind.Missing:
                throw LayerFormatException.Entry(link.EntryName, $"is a hardlink to '{shown}', which is in neither this layer nor the layers below it");
            case LayerStack.Kind.Directory:
                throw LayerFormatException.Entry(link.EntryName, $"is a hardlink to directory '{shown}'");
        }
        if (node.Layer != 0)
        {
            EnsureDirectory(EntryPath.Split(target).Parent, link.EntryName);
            var lower = _stack.Full(node.Layer, target);
            if (!_copier.Copy(lower, Full(target), Posix.Lstat(lower)))
                throw LayerFormatException.Entry(link.EntryName, $"is a hardlink to '{shown}', a device that only root can copy up");
            _changed.Add(Full(target));
            _stack.TopChanged();
        }
        EnsureDirectory(EntryPath.Split(at).Parent, link.EntryName);
        var rc = Posix.TryLink(Full(target), Full(at));
        if (rc != 0) throw Posix.Error($"link to '{RawPath.Display(target)}' at", Full(at), rc);
        _changed.Add(Full(EntryPath.Split(at).Parent));
        _stack.TopChanged();
    }

    /// <summary>
    /// An implied directory takes the metadata of the directory it stands over, as it would have had the layer been
    /// unpacked onto its parents; one this layer deleted and recreated stands over nothing and keeps its own.
    /// </summary>
    private void Inherit()
    {
        foreach (var dir in _implied)
        {
            var node = _stack.Lookup(dir);
            if (node.Kind != LayerStack.Kind.Directory || node.Layer != 0 || node.Below < 0) continue;
            var source = _stack.Full(node.Below, dir);
            var path = Full(dir);
            var st = Posix.Lstat(source);
            if (_options.PreserveOwnership) Posix.Lchown(path, st.Uid, st.Gid);
            NodeCopier.CopyXattrs(source, -1, path, false);
            Posix.Chmod(path, st.Mode & 0xFFFu);
            Posix.SetTimes(path, st.ATime.Sec, st.ATime.Nsec, st.MTime.Sec, st.MTime.Nsec);
            _changed.Add(path);
        }
    }

    public void Dispose() => _copier.Dispose();
}
