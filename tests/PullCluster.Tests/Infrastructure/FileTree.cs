using System.Security.Cryptography;
using System.Text;
using PullCluster.Core.Layers;

namespace PullCluster.Tests.Infrastructure;

/// <summary>What a test compares about one path (lstat view; nothing is followed).</summary>
/// <param name="Type">file, dir, symlink, fifo, char, block or socket.</param>
/// <param name="Mode">Permission bits with setuid/setgid/sticky; 0 for symlinks.</param>
/// <param name="Size">Bytes, for files only.</param>
/// <param name="Sha256">Contents, for files only.</param>
/// <param name="Xattrs">Name → value (quoted text when printable, else hex); trusted.overlay.* left out.</param>
/// <param name="MTime">Seconds, for files and symlinks only.</param>
public sealed record FileNode(
    string Type, uint Mode, uint Uid, uint Gid, long Size, string? Sha256, string? LinkTarget,
    uint DevMajor, uint DevMinor, IReadOnlyDictionary<string, string> Xattrs, long? MTime)
{
    public override string ToString()
    {
        var sb = new StringBuilder(Type);
        if (Type != "symlink") sb.Append(' ').Append(Convert.ToString(Mode, 8).PadLeft(4, '0'));
        sb.Append($" {Uid}:{Gid}");
        if (Type == "file") sb.Append($" {Size}B sha256:{Sha256![..12]}");
        if (LinkTarget != null) sb.Append($" -> {LinkTarget}");
        if (Type is "char" or "block") sb.Append($" {DevMajor}:{DevMinor}");
        if (MTime != null) sb.Append($" mtime={MTime}");
        foreach (var (k, v) in Xattrs) sb.Append($" {k}={v}");
        return sb.ToString();
    }
}

/// <summary>A comparable snapshot of a directory tree (the root itself excluded), for asserting file system results.</summary>
public sealed class FileTree
{
    private FileTree(SortedDictionary<string, FileNode> nodes, List<string> hardlinkGroups)
    {
        Nodes = nodes;
        HardlinkGroups = hardlinkGroups;
    }

    /// <summary>Relative path (UTF-8, bad bytes as \xNN) → node.</summary>
    public IReadOnlyDictionary<string, FileNode> Nodes { get; }

    /// <summary>Paths sharing an inode, each group as its sorted paths joined by " = ", groups sorted.</summary>
    public IReadOnlyList<string> HardlinkGroups { get; }

    public FileNode this[string path] =>
        Nodes.TryGetValue(path, out var node) ? node : throw new KeyNotFoundException($"'{path}' is not in the tree");

    public static FileTree Capture(string root)
    {
        var rawRoot = RawPath.FromString(Path.GetFullPath(root).TrimEnd('/'));
        var nodes = new SortedDictionary<string, FileNode>(StringComparer.Ordinal);
        var inodes = new Dictionary<(uint, uint, ulong), List<string>>();
        Walk(rawRoot, "", nodes, inodes);
        var groups = inodes.Values.Where(g => g.Count > 1)
            .Select(g => string.Join(" = ", g.Order(StringComparer.Ordinal)))
            .Order(StringComparer.Ordinal).ToList();
        return new FileTree(nodes, groups);
    }

    private static void Walk(string dir, string rel, SortedDictionary<string, FileNode> nodes, Dictionary<(uint, uint, ulong), List<string>> inodes)
    {
        foreach (var (name, _) in Posix.ReadDir(dir).OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var path = dir + "/" + name;
            var childRel = rel.Length == 0 ? name : rel + "/" + name;
            var display = RawPath.Display(childRel);
            var st = Posix.Lstat(path);
            var type = (st.Mode & 0xF000) switch
            {
                0x8000 => "file",
                0x4000 => "dir",
                0xA000 => "symlink",
                0x1000 => "fifo",
                0x2000 => "char",
                0x6000 => "block",
                _ => "socket",
            };
            var xattrs = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var xname in Posix.ListXattrs(path))
            {
                var key = Encoding.UTF8.GetString(xname);
                if (key.StartsWith("trusted.overlay.", StringComparison.Ordinal)) continue;
                xattrs[key] = Show(Posix.GetXattr(path, xname) ?? []);
            }
            nodes[display] = new FileNode(
                type,
                type == "symlink" ? 0 : st.Mode & 0xFFFu,
                st.Uid, st.Gid,
                type == "file" ? (long)st.Size : 0,
                type == "file" ? HashFile(path) : null,
                type == "symlink" ? RawPath.Display(Posix.ReadLink(path)) : null,
                st.RDevMajor, st.RDevMinor,
                xattrs,
                type is "file" or "symlink" ? st.MTime.Sec : null);
            if (type == "dir") Walk(path, childRel, nodes, inodes);
            else
            {
                var key = (st.DevMajor, st.DevMinor, st.Ino);
                if (!inodes.TryGetValue(key, out var group)) inodes[key] = group = [];
                group.Add(display);
            }
        }
    }

    private static string HashFile(string rawPath)
    {
        var fd = Posix.OpenRead(rawPath);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 16];
            int n;
            while ((n = Posix.Read(fd, buffer, rawPath)) > 0) hash.AppendData(buffer, 0, n);
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        finally
        {
            Posix.Close(fd);
        }
    }

    private static string Show(byte[] value) =>
        value.Length > 0 && value.All(b => b is >= 0x20 and < 0x7f)
            ? $"\"{Encoding.ASCII.GetString(value)}\""
            : "0x" + Convert.ToHexStringLower(value);

    /// <summary>Human-readable differences from <paramref name="expected"/> to <paramref name="actual"/>; empty when equal.</summary>
    public static IReadOnlyList<string> Diff(FileTree expected, FileTree actual)
    {
        var diffs = new List<string>();
        foreach (var (path, e) in expected.Nodes)
        {
            if (!actual.Nodes.TryGetValue(path, out var a))
            {
                diffs.Add($"missing {path} ({e})");
                continue;
            }
            Compare(path, e, a, diffs);
        }
        foreach (var (path, a) in actual.Nodes)
            if (!expected.Nodes.ContainsKey(path)) diffs.Add($"unexpected {path} ({a})");
        foreach (var g in expected.HardlinkGroups.Except(actual.HardlinkGroups)) diffs.Add($"missing hardlink group {g}");
        foreach (var g in actual.HardlinkGroups.Except(expected.HardlinkGroups)) diffs.Add($"unexpected hardlink group {g}");
        return diffs;
    }

    private static void Compare(string path, FileNode e, FileNode a, List<string> diffs)
    {
        if (e.Type != a.Type)
        {
            diffs.Add($"{path}: type {e.Type} ≠ {a.Type} ({e} vs {a})");
            return;
        }
        void Check<T>(string what, T x, T y, Func<T, string>? show = null)
        {
            if (!EqualityComparer<T>.Default.Equals(x, y))
                diffs.Add($"{path}: {what} {(show ?? (v => $"{v}"))(x)} ≠ {(show ?? (v => $"{v}"))(y)}");
        }
        Check("mode", e.Mode, a.Mode, m => Convert.ToString(m, 8).PadLeft(4, '0'));
        Check("uid", e.Uid, a.Uid);
        Check("gid", e.Gid, a.Gid);
        Check("size", e.Size, a.Size);
        Check("sha256", e.Sha256, a.Sha256);
        Check("link target", e.LinkTarget, a.LinkTarget);
        Check("device", $"{e.DevMajor}:{e.DevMinor}", $"{a.DevMajor}:{a.DevMinor}");
        Check("mtime", e.MTime, a.MTime);
        foreach (var (k, v) in e.Xattrs)
            if (!a.Xattrs.TryGetValue(k, out var av)) diffs.Add($"{path}: missing xattr {k}={v}");
            else if (av != v) diffs.Add($"{path}: xattr {k} {v} ≠ {av}");
        foreach (var (k, v) in a.Xattrs)
            if (!e.Xattrs.ContainsKey(k)) diffs.Add($"{path}: unexpected xattr {k}={v}");
    }
}
