using static PullCluster.Core.Layers.Native;

namespace PullCluster.Core.Layers;

/// <summary>
/// Writes tar entries into an empty directory as a layer diff. Parents are checked with lstat and never followed
/// through symlinks; directory modes and mtimes are applied at the end, once nothing more is written into them.
/// </summary>
internal sealed class DiffExtractor(string root, LayerApplyOptions options, CancellationToken ct)
{
    private const int WriteChunk = 1 << 20;

    /// <summary>Relative paths known to be real directories (their parents too).</summary>
    private readonly HashSet<string> _dirs = [""];

    private readonly Dictionary<string, DirMeta> _dirMeta = [];

    /// <summary>Hardlinks to what this layer does not have: a lower layer may, which only a rebase can tell.</summary>
    private readonly List<DeferredLink> _deferred = [];

    /// <summary>The targets of <see cref="_deferred"/>, to their entries' names.</summary>
    private readonly Dictionary<string, string> _deferredTargets = new(StringComparer.Ordinal);

    public IReadOnlyList<DeferredLink> DeferredLinks => _deferred;

    /// <summary>Implied directories made where this layer whited the path out: new, so they stand over nothing below.</summary>
    private readonly HashSet<string> _recreated = new(StringComparer.Ordinal);

    private readonly record struct DirMeta(uint Mode, long MTimeSeconds, int MTimeNanoseconds, bool HasTime);

    private bool Overlay => options.Whiteouts == WhiteoutStyle.Overlay;

    private string Full(string rel) => rel.Length == 0 ? root : string.Concat(root, "/", rel);

    public void Apply(TarEntry e, TarEntryReader reader)
    {
        var rel = EntryPath.Clean(e.Name, e.Name);
        if (rel.Length == 0)
        {
            // The root's own metadata belongs to whoever made the target directory, as in containerd.
            if (e.Type != TarEntry.Directory) throw LayerFormatException.Entry(e.Name, $"replaces the layer root with a {e.TypeName}");
            return;
        }
        // A tar is applied in order: a hardlink names a file already there, never one its own layer writes later.
        if (_deferredTargets.Count > 0 && e.Type != TarEntry.Directory && _deferredTargets.TryGetValue(rel, out var early))
            throw LayerFormatException.Entry(early, $"is a hardlink to '{RawPath.Display(rel)}', which is not in the layer (yet)");
        var (parent, name) = EntryPath.Split(rel);
        if (name.StartsWith(Whiteout.Prefix, StringComparison.Ordinal) && ApplyWhiteout(e, rel, parent, name)) return;
        if (Overlay && IsUnderWhiteoutName(parent)) return;

        EnsureParents(e.Name, rel);
        var path = Full(rel);
        // Create first and look only when something is in the way: most entries are new, and a layer is 10⁴–10⁵ of them.
        switch (e.Type)
        {
            case TarEntry.Directory:
                MakeDirectory(e, rel, path);
                break;
            case TarEntry.Regular:
                WriteFile(e, reader, rel, path);
                break;
            case TarEntry.Symlink:
                if (e.LinkName.Length == 0) throw LayerFormatException.Entry(e.Name, "is a symlink with an empty target");
                Replacing(rel, path, "symlink", () => Posix.TrySymlink(e.LinkName, path));
                if (options.PreserveOwnership) Posix.Lchown(path, e.Uid, e.Gid);
                SetXattrs(-1, path, e);
                Posix.SetTimes(path, e.MTimeSeconds, e.MTimeNanoseconds, e.MTimeSeconds, e.MTimeNanoseconds);
                break;
            case TarEntry.HardLink:
                Link(e, rel, path);
                break;
            case TarEntry.Fifo or TarEntry.CharDevice or TarEntry.BlockDevice:
                var type = e.Type switch { TarEntry.Fifo => SIfIfo, TarEntry.CharDevice => SIfChr, _ => SIfBlk };
                // Without root, devices are skipped as containerd skips them in a user namespace.
                var skipped = false;
                Replacing(rel, path, "mknod", () =>
                {
                    var rc = Metadata.TryMakeNode(path, type, e.DevMajor, e.DevMinor);
                    skipped = rc < 0;
                    return Math.Max(rc, 0);
                });
                if (skipped) return;
                if (options.PreserveOwnership) Posix.Lchown(path, e.Uid, e.Gid);
                SetXattrs(-1, path, e);
                Posix.Chmod(path, e.Mode);
                Posix.SetTimes(path, e.MTimeSeconds, e.MTimeNanoseconds, e.MTimeSeconds, e.MTimeNanoseconds);
                break;
            default:
                throw LayerFormatException.Entry(e.Name, $"has unsupported {e.TypeName}");
        }
    }

    /// <summary>Runs <paramref name="create"/>; if something is in the way (EEXIST) removes it, later entries winning, and runs it again.</summary>
    private void Replacing(string rel, string path, string operation, Func<int> create)
    {
        var rc = create();
        if (rc == EExist)
        {
            Remove(rel, path, Posix.Lstat(path));
            rc = create();
        }
        if (rc != 0) throw Posix.Error(operation, path, rc);
    }

    private void MakeDirectory(TarEntry e, string rel, string path)
    {
        var rc = Posix.TryMkdir(path, 0x1c0);
        if (rc == EExist)
        {
            var existing = Posix.Lstat(path);
            if (!Posix.IsDir(existing))
            {
                // A directory of this layer where it deleted the path must not merge with lower ones.
                var wasWhiteout = IsWhiteout(existing);
                Remove(rel, path, existing);
                Posix.Mkdir(path, 0x1c0);
                if (wasWhiteout) Metadata.SetOverlayOpaque(path);
            }
        }
        else if (rc != 0) throw Posix.Error("mkdir", path, rc);
        _dirs.Add(rel);
        if (options.PreserveOwnership) Posix.Lchown(path, e.Uid, e.Gid);
        SetXattrs(-1, path, e);
        _dirMeta[rel] = new DirMeta(e.Mode, e.MTimeSeconds, e.MTimeNanoseconds, true);
    }

    /// <summary>The implied directories that stand for whatever the layers below have at their path (see <see cref="LayerStack"/>).</summary>
    public IReadOnlyList<string> TransparentDirectories(IEnumerable<string> implied) =>
        _recreated.Count == 0 ? implied.ToList() : implied.Where(d => !_recreated.Contains(d)).ToList();

    /// <summary>
    /// Directory modes and mtimes, last so that writing children cannot disturb them. Returns the directories the tar
    /// only implied (raw relative paths).
    /// </summary>
    public List<string> Finish()
    {
        var implied = new List<string>();
        foreach (var (rel, meta) in _dirMeta)
        {
            ct.ThrowIfCancellationRequested();
            var path = Full(rel);
            Posix.Chmod(path, meta.Mode);
            if (meta.HasTime) Posix.SetTimes(path, meta.MTimeSeconds, meta.MTimeNanoseconds, meta.MTimeSeconds, meta.MTimeNanoseconds);
            else implied.Add(rel);
        }
        implied.Sort(StringComparer.Ordinal);
        return implied;
    }

    private void WriteFile(TarEntry e, TarEntryReader reader, string rel, string path)
    {
        var rc = Posix.TryCreateFile(path, out var fd);
        if (rc == EExist)
        {
            Remove(rel, path, Posix.Lstat(path));
            fd = Posix.CreateFile(path);
        }
        else if (rc != 0) throw Posix.Error("create", path, rc);
        try
        {
            while (reader.DataLeft > 0)
            {
                ct.ThrowIfCancellationRequested();
                Posix.WriteAll(fd, reader.ReadData(WriteChunk), path);
            }
            // chown drops setuid bits and file capabilities, so it goes first; mode after the xattrs.
            if (options.PreserveOwnership) Posix.Fchown(fd, e.Uid, e.Gid, path);
            SetXattrs(fd, path, e);
            Posix.Fchmod(fd, e.Mode, path);
            Posix.FSetTimes(fd, e.MTimeSeconds, e.MTimeNanoseconds, e.MTimeSeconds, e.MTimeNanoseconds, path);
            if (options.SyncFiles) Posix.Fsync(fd, path);
        }
        finally
        {
            Posix.Close(fd);
        }
    }

    private void Link(TarEntry e, string rel, string path)
    {
        var target = EntryPath.Clean(e.LinkName, e.Name, "hardlink target ");
        if (target.Length == 0) throw LayerFormatException.Entry(e.Name, "is a hardlink to the layer root");
        if (target == rel)
        {
            if (Posix.TryLstat(path, out _)) return;
            throw LayerFormatException.Entry(e.Name, "is a hardlink to itself");
        }
        var targetPath = Full(target);
        if (!LinkParentsPresent(e.Name, target) || !Posix.TryLstat(targetPath, out var targetStat))
        {
            Defer(e, rel, path, target);
            return;
        }
        if (Posix.IsDir(targetStat))
            throw LayerFormatException.Entry(e.Name, $"is a hardlink to directory '{RawPath.Display(target)}'");
        Replacing(rel, path, $"link to '{RawPath.Display(target)}' at", () => Posix.TryLink(targetPath, path));
    }

    /// <summary>
    /// A hardlink to a file this layer does not have links to a lower layer's file, as when the tar is applied onto the
    /// layers below; they are not known yet, so the link is made when the layer is rebased onto them. The path is
    /// cleared now, as the link would have replaced whatever stood there.
    /// </summary>
    private void Defer(TarEntry e, string rel, string path, string target)
    {
        if (Posix.TryLstat(path, out var st)) Remove(rel, path, st);
        _deferred.Add(new DeferredLink(rel, target, e.Name));
        _deferredTargets.TryAdd(target, e.Name);
    }

    /// <summary>True when the entry was a whiteout and has been handled; Aufs keeps markers as ordinary entries.</summary>
    private bool ApplyWhiteout(TarEntry e, string rel, string parent, string name)
    {
        var isMeta = name.StartsWith(Whiteout.MetaPrefix, StringComparison.Ordinal);
        var target = isMeta ? null : Whiteout.Target(name);
        if (!isMeta && target is null) throw LayerFormatException.Entry(e.Name, "is a malformed whiteout");
        if (!Overlay) return false;

        if (name == Whiteout.Opaque)
        {
            EnsureParents(e.Name, rel);
            Metadata.SetOverlayOpaque(Full(parent));
            return true;
        }
        // Other aufs metadata (.wh..wh.plnk and the like) means nothing to overlayfs.
        if (isMeta) return true;

        var victimRel = RawPath.Join(parent, target!);
        EnsureParents(e.Name, victimRel);
        var victim = Full(victimRel);
        if (Posix.TryLstat(victim, out var st))
        {
            // A whiteout hides lower layers only, never what this layer has at that path: a directory of this
            // layer stays and becomes opaque; anything else already hides the lower layers.
            if (Posix.IsDir(st)) Metadata.SetOverlayOpaque(victim);
            return true;
        }
        var err = Posix.TryMknod(victim, SIfChr, 0, 0);
        if (err != 0) throw Posix.Error("create overlay whiteout (needs root)", victim, err);
        if (options.PreserveOwnership) Posix.Lchown(victim, e.Uid, e.Gid);
        return true;
    }

    private bool IsWhiteout(in Statx st) => Overlay && Metadata.IsOverlayWhiteout(st);

    private static bool IsUnderWhiteoutName(string parent)
    {
        if (!parent.Contains(Whiteout.Prefix, StringComparison.Ordinal)) return false;
        foreach (var part in parent.Split('/'))
            if (part.StartsWith(Whiteout.Prefix, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>Makes sure every parent of <paramref name="rel"/> is a real directory, creating missing ones (0755, like containerd).</summary>
    private void EnsureParents(string entryName, string rel)
    {
        var (parent, _) = EntryPath.Split(rel);
        if (_dirs.Contains(parent)) return;
        for (var slash = rel.IndexOf('/'); slash >= 0; slash = rel.IndexOf('/', slash + 1))
        {
            var dir = rel[..slash];
            if (_dirs.Contains(dir)) continue;
            var path = Full(dir);
            var exists = Posix.TryLstat(path, out var st);
            if (exists && Posix.IsDir(st))
            {
                _dirs.Add(dir);
                continue;
            }
            if (exists && !IsWhiteout(st)) throw NotADirectory(entryName, dir, st, "would be written");
            if (exists) Posix.Unlink(path);
            Posix.Mkdir(path, 0x1c0);
            // Where this layer deleted the path, the directory now standing there must not merge with lower ones.
            if (exists)
            {
                Metadata.SetOverlayOpaque(path);
                _recreated.Add(dir);
            }
            _dirMeta[dir] = new DirMeta(0x1ed, 0, 0, false);
            _dirs.Add(dir);
        }
    }

    /// <summary>False when a parent of the target is missing from this layer; a symlink on the way is refused, as for any entry.</summary>
    private bool LinkParentsPresent(string entryName, string target)
    {
        var (parent, _) = EntryPath.Split(target);
        if (_dirs.Contains(parent)) return true;
        for (var slash = target.IndexOf('/'); slash >= 0; slash = target.IndexOf('/', slash + 1))
        {
            var dir = target[..slash];
            if (_dirs.Contains(dir)) continue;
            if (!Posix.TryLstat(Full(dir), out var st)) return false;
            if (!Posix.IsDir(st)) throw NotADirectory(entryName, dir, st, $"links to '{RawPath.Display(target)}'");
            _dirs.Add(dir);
        }
        return true;
    }

    private static LayerFormatException NotADirectory(string entryName, string dir, in Statx st, string what) =>
        Posix.TypeOf(st) == SIfLnk
            ? LayerFormatException.Entry(entryName, $"{what} through symlink '{RawPath.Display(dir)}'")
            : LayerFormatException.Entry(entryName, $"{what} below '{RawPath.Display(dir)}', which is not a directory");

    /// <summary>Later entries win: whatever is at the path goes, a directory with everything below it.</summary>
    private void Remove(string rel, string path, in Statx st)
    {
        if (!Posix.IsDir(st))
        {
            Posix.Unlink(path);
            return;
        }
        Posix.RemoveAll(path);
        var prefix = rel + "/";
        _dirs.RemoveWhere(d => d == rel || d.StartsWith(prefix, StringComparison.Ordinal));
        foreach (var key in _dirMeta.Keys.Where(d => d == rel || d.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            _dirMeta.Remove(key);
    }

    private void SetXattrs(int fd, string path, TarEntry e)
    {
        foreach (var (name, value) in e.Xattrs)
            Metadata.SetXattr(fd, path, name, value, e.Type == TarEntry.Symlink);
    }
}
