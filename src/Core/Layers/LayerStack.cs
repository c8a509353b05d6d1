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
    /// <param name="Layers">For a directory, every layer whose content shows in it, nearest first.</param>
    /// <param name="Below">For a directory the top only implied, the nearest lower layer with the directory it
    /// stands over (whose metadata it should carry), even when an opaque marker hides that one's content; else -1.</param>
    public readonly record struct Node(Kind Kind, int Layer, int[] Layers, int Below);

    private static readonly Node Missing = new(Kind.Missing, -1, [], -1);

    private readonly string[] _roots;
    private readonly ISet<string> _implied;
    private readonly bool _markers;
    private readonly Dictionary<string, Node> _known = new(StringComparer.Ordinal);

    /// <param name="top">The layer being placed, index 0.</param>
    /// <param name="parents">The layers below, nearest first: indexes 1, 2, ….</param>
    /// <param name="implied">The top layer's directories its tar only implied, except those it deleted and recreated
    /// (transparent); the stack reads the set live.</param>
    /// <param name="style">How the diffs record whiteouts; aufs markers are only looked for where they can exist.</param>
    public LayerStack(string top, IReadOnlyList<string> parents, ISet<string> implied, WhiteoutStyle style)
    {
        _roots = [top, .. parents];
        _implied = implied;
        _markers = style == WhiteoutStyle.Aufs;
    }

    public int Count => _roots.Length;

    public string Full(int layer, string rel) => rel.Length == 0 ? _roots[layer] : string.Concat(_roots[layer], "/", rel);

    /// <summary>Forgets what was looked up, after the top layer changed.</summary>
    public void TopChanged() => _known.Clear();

    /// <summary>What the stacked tree has at <paramref name="rel"/>, following no symlink.</summary>
    public Node Lookup(string rel)
    {
        if (_known.TryGetValue(rel, out var known)) return known;
        Node node;
        if (rel.Length == 0) node = RootNode();
        else
        {
            var (dir, name) = EntryPath.Split(rel);
            var parent = Lookup(dir);
            node = parent.Kind == Kind.Directory ? Child(parent, dir, rel, name) : Missing;
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

    private Node RootNode()
    {
        var layers = new List<int>();
        for (var i = 0; i < _roots.Length; i++)
        {
            layers.Add(i);
            if (IsOpaque(_roots[i])) break;
        }
        return new Node(Kind.Directory, 0, [.. layers], -1);
    }

    private Node Child(Node parent, string dir, string rel, string name)
    {
        var dirs = new List<int>();
        var throughTop = false;
        var hideBelow = false;
        var below = -1;
        foreach (var i in parent.Layers)
        {
            var at = Full(i, dir);
            var marked = _markers && Posix.TryLstat(string.Concat(at, "/", Whiteout.Prefix, name), out _);
            var path = string.Concat(at, "/", name);
            if (!Posix.TryLstat(path, out var st))
            {
                if (marked) break;
                continue;
            }
            if (!Posix.IsDir(st))
            {
                if (Metadata.IsOverlayWhiteout(st)) break;
                var kind = Posix.TypeOf(st) == SIfLnk ? Kind.Symlink : Kind.Other;
                // A directory hides what is below it, except one the top only implied, which a lower symlink
                // redirects; a lower file under it is replaced, as before layers were stacked.
                if (dirs.Count == 0 || (throughTop && kind == Kind.Symlink)) return new Node(kind, i, [], -1);
                break;
            }
            var opaque = marked || IsOpaque(path);
            if (i == 0 && !marked && _implied.Contains(rel))
            {
                dirs.Add(0);
                throughTop = true;
                // An opaque marker written below a symlinked path still hides what lies where it leads.
                hideBelow = opaque;
                continue;
            }
            if (throughTop)
            {
                below = i;
                throughTop = false;
                if (hideBelow) break;
            }
            dirs.Add(i);
            if (opaque) break;
        }
        return dirs.Count == 0 ? Missing : new Node(Kind.Directory, dirs[0], [.. dirs], below);
    }

    private bool IsOpaque(string dir) =>
        (_markers && Posix.TryLstat(string.Concat(dir, "/", Whiteout.Opaque), out _)) ||
        Posix.GetXattr(dir, Whiteout.OverlayOpaqueXattr) is [(byte)'y'];
}
