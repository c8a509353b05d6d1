using static PullCluster.Core.Layers.Native;

namespace PullCluster.Core.Layers;

/// <summary>
/// A layer diff on top of the diffs below it, seen as a runtime sees them stacked (overlayfs's rules): at each path
/// the nearest layer with an entry decides; a whiteout or a non-directory hides everything below it; directories
/// merge down to the first opaque one. Directories the top layer's tar only implied are transparent: they stand for
/// whatever the layers below have at that path, since that is what the tar meant (a file under an existing path),
/// so a symlink below shows through them. Paths are raw (<see cref="RawPath"/>), relative and clean.
/// </summary>
internal sealed class LayerStack
{
    /// <summary>Linux's own bound on symlinks followed in one path resolution.</summary>
    public const int MaxSymlinks = 40;

    public enum Kind { Missing, Directory, Symlink, Other }

    /// <param name="Layer">The layer whose entry decides (for a directory, the nearest that has it).</param>
    /// <param name="Below">For a directory the top only implied, the nearest lower layer with the directory it
    /// stands over (whose metadata it should carry), even when an opaque marker hides that one's content; else -1.</param>
    public readonly record struct Node(Kind Kind, int Layer, int Below);

    private static readonly Node Missing = new(Kind.Missing, -1, -1);

    private readonly LayerProbe[] _probes;
    private readonly ISet<string> _implied;
    private readonly Dictionary<string, Node> _known = new(StringComparer.Ordinal);

    /// <param name="top">The layer being placed, index 0.</param>
    /// <param name="parents">The layers below, nearest first: indexes 1, 2, ….</param>
    /// <param name="implied">The top layer's directories its tar only implied, except those it deleted and recreated
    /// (transparent); the stack reads the set live.</param>
    /// <param name="style">How the diffs record whiteouts; aufs markers are only looked for where they can exist.</param>
    public LayerStack(string top, IReadOnlyList<string> parents, ISet<string> implied, WhiteoutStyle style)
    {
        var markers = style == WhiteoutStyle.Aufs;
        _probes = [new LayerProbe(top, markers), .. parents.Select(p => new LayerProbe(p, markers))];
        _implied = implied;
    }

    public string Full(int layer, string rel) => _probes[layer].Full(rel);

    /// <summary>Forgets what was looked up in the top layer, after changing it.</summary>
    public void TopChanged()
    {
        _known.Clear();
        _probes[0].Forget();
    }

    /// <summary>
    /// What the stacked tree has at <paramref name="rel"/>, following no symlink: the nearest layer that says anything
    /// about the path decides, as overlayfs merges (what a layer hides, it hides for every layer below). Each layer is
    /// asked about a path once, and the scan stops at the first answer, so a deep stack of layers sharing their
    /// directories costs what one lookup per layer would.
    /// </summary>
    public Node Lookup(string rel)
    {
        if (_known.TryGetValue(rel, out var known)) return known;
        var throughTop = false;
        var node = Missing;
        for (var i = 0; i < _probes.Length; i++)
        {
            var (found, marked) = _probes[i].Find(rel);
            if (found == Found.Nothing) continue;
            if (throughTop)
            {
                // Under a directory the top only implied, a lower symlink shows through and redirects it; a lower
                // directory lends it its metadata; anything else (a file, a whiteout) it simply replaces.
                node = found switch
                {
                    Found.Symlink => new Node(Kind.Symlink, i, -1),
                    Found.Directory => new Node(Kind.Directory, 0, i),
                    _ => new Node(Kind.Directory, 0, -1),
                };
                throughTop = false;
                break;
            }
            if (found == Found.Directory && i == 0 && !marked && _implied.Contains(rel))
            {
                throughTop = true;
                node = new Node(Kind.Directory, 0, -1);
                continue;
            }
            node = found switch
            {
                Found.Directory => new Node(Kind.Directory, i, -1),
                Found.Symlink => new Node(Kind.Symlink, i, -1),
                Found.Other => new Node(Kind.Other, i, -1),
                _ => Missing,
            };
            break;
        }
        _known[rel] = node;
        return node;
    }

    /// <summary>
    /// Where <paramref name="rel"/> lands once every symlink on the way is followed inside the stacked tree, as
    /// containerd's applier resolves an entry's parent (continuity's fs.RootPath): an absolute target starts again
    /// at the root, ".." stops at the root, and below a missing component or a non-directory the rest is taken as it
    /// is. Nothing can resolve outside the tree; a symlink loop is refused, naming <paramref name="entryName"/>.
    /// </summary>
    public string Resolve(string rel, bool followLast, string entryName)
    {
        var pending = new Stack<string>();
        Push(pending, rel);
        var current = "";
        var hops = 0;
        while (pending.TryPop(out var part))
        {
            if (part is "" or ".") continue;
            if (part == "..")
            {
                current = EntryPath.Split(current).Parent;
                continue;
            }
            var next = RawPath.Join(current, part);
            var node = Lookup(next);
            if (node.Kind == Kind.Symlink && (pending.Count > 0 || followLast))
            {
                if (++hops > MaxSymlinks)
                    throw LayerFormatException.Entry(entryName,
                        $"cannot be resolved inside the image: more than {MaxSymlinks} symlinks on the way to '{RawPath.Display(rel)}'");
                var target = Posix.ReadLink(Full(node.Layer, next));
                if (target.StartsWith('/')) current = "";
                Push(pending, target);
                continue;
            }
            current = next;
        }
        return current;
    }

    private static void Push(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (var i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
    }

    private enum Found { Nothing, Directory, Symlink, Other, Hidden }

    /// <summary>
    /// What one layer diff says about a path, component by component without following symlinks: an entry of some
    /// kind, nothing, or that it hides the path from the layers below (a whiteout, an opaque directory above it, a
    /// non-directory on the way). Answers are kept per path prefix, since a layer's paths share their prefixes.
    /// </summary>
    private sealed class LayerProbe(string root, bool markers)
    {
        /// <param name="OpaqueThrough">Some directory from the root down to this one, itself included, is opaque, so a
        /// name missing below it is hidden rather than absent.</param>
        /// <param name="Marked">An aufs whiteout marker names the path in this same layer: deleted, then recreated.</param>
        private readonly record struct Answer(Found Found, bool OpaqueThrough, bool Marked);

        private readonly Dictionary<string, Answer> _known = new(StringComparer.Ordinal);

        public string Full(string rel) => rel.Length == 0 ? root : string.Concat(root, "/", rel);

        public void Forget() => _known.Clear();

        public (Found Found, bool Marked) Find(string rel)
        {
            var answer = Resolve(rel);
            return (answer.Found, answer.Marked);
        }

        private Answer Resolve(string rel)
        {
            if (_known.TryGetValue(rel, out var known)) return known;
            Answer answer;
            if (rel.Length == 0) answer = new Answer(Found.Directory, IsOpaque(root), false);
            else
            {
                var (dir, name) = EntryPath.Split(rel);
                var parent = Resolve(dir);
                answer = parent.Found switch
                {
                    Found.Directory => Step(dir, name, parent.OpaqueThrough),
                    Found.Nothing => new Answer(Found.Nothing, false, false),
                    _ => new Answer(Found.Hidden, false, false),
                };
            }
            _known[rel] = answer;
            return answer;
        }

        private Answer Step(string dir, string name, bool opaqueAbove)
        {
            var at = Full(dir);
            var marked = markers && Posix.TryLstat(string.Concat(at, "/", Whiteout.Prefix, name), out _);
            var path = string.Concat(at, "/", name);
            if (!Posix.TryLstat(path, out var st))
                return new Answer(marked || opaqueAbove ? Found.Hidden : Found.Nothing, opaqueAbove, marked);
            if (Posix.IsDir(st)) return new Answer(Found.Directory, opaqueAbove || marked || IsOpaque(path), marked);
            if (Metadata.IsOverlayWhiteout(st)) return new Answer(Found.Hidden, opaqueAbove, marked);
            return new Answer(Posix.TypeOf(st) == SIfLnk ? Found.Symlink : Found.Other, opaqueAbove, marked);
        }

        private bool IsOpaque(string dir) => Metadata.IsOpaqueDirectory(dir, markers);
    }
}
