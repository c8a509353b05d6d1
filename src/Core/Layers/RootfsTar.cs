using System.Buffers;
using static PullCluster.Core.Layers.Native;

namespace PullCluster.Core.Layers;

/// <summary>
/// Streams the flattened root filesystem of a stack of unpacked layer diffs as a PAX tar, straight from the layer
/// store: nothing is copied to disk first, so a client that goes away leaves nothing behind, and the only memory is
/// one read buffer and the names of the directory being walked.
/// </summary>
public static class RootfsTar
{
    /// <summary>
    /// Writes the tree <see cref="RootfsBuilder.Flatten"/> would build from <paramref name="layerDirs"/> (bottom → top,
    /// either whiteout style) to <paramref name="output"/>: the topmost layer that has a path decides what it is and
    /// its metadata; whiteouts and opaque directories hide what lies below them and never appear themselves; files
    /// hardlinked within a layer are one file and hardlink entries; modes, owners, mtimes and xattrs (but
    /// trusted.overlay.*) are kept, sockets skipped. The root directory itself has no entry: it belongs to whoever
    /// extracts. Blocking by design: run it off actor threads. Entries come in a fixed (byte-wise) order.
    /// </summary>
    public static void Write(IReadOnlyList<string> layerDirs, Stream output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(layerDirs);
        ArgumentNullException.ThrowIfNull(output);
        var topFirst = layerDirs.Select(TargetDirectory.RequireDirectory).Reverse().ToList();
        var rootStack = new List<string>();
        foreach (var layer in topFirst)
        {
            rootStack.Add(layer);
            if (IsOpaque(layer)) break;
        }
        var tar = new PaxTarWriter(output);
        using (var walker = new Walker(tar, ct)) walker.Directory("", rootStack);
        tar.Finish();
        output.Flush();
    }

    // Layers of either whiteout style may be streamed, so both kinds of opaque marker count.
    private static bool IsOpaque(string dir) => Metadata.IsOpaqueDirectory(dir, markers: true);

    /// <summary>What a name in the merged directory is: the entry of the topmost layer that has it.</summary>
    private sealed class Claim(string path, Statx stat)
    {
        public string Path { get; } = path;
        public Statx Stat = stat;

        /// <summary>For a directory: the layers, top first, whose same-named directories merge into it.</summary>
        public List<string> Stack { get; } = [];

        /// <summary>For a directory: lower layers may still add to it (no opaque marker or whiteout has closed it).</summary>
        public bool Open;
    }

    private sealed class Walker(PaxTarWriter tar, CancellationToken ct) : IDisposable
    {
        private const int ReadChunk = 1 << 20;

        private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(ReadChunk);

        /// <summary>Files with more than one link: inode → the path of their first entry in the tar.</summary>
        private readonly Dictionary<(uint, uint, ulong), string> _links = [];

        /// <param name="stack">Layer roots, top first, that each have <paramref name="rel"/> as a directory and contribute to it.</param>
        public void Directory(string rel, List<string> stack)
        {
            var claims = new SortedDictionary<string, Claim>(StringComparer.Ordinal);
            var hidden = new HashSet<string>(StringComparer.Ordinal);
            foreach (var layer in stack)
            {
                ct.ThrowIfCancellationRequested();
                var dir = rel.Length == 0 ? layer : string.Concat(layer, "/", rel);
                var entries = Posix.ReadDir(dir);
                var names = new HashSet<string>(entries.Count, StringComparer.Ordinal);
                foreach (var (name, _) in entries) names.Add(name);

                // This layer's own entries first: its whiteouts hide only the layers below it.
                foreach (var (name, _) in entries)
                {
                    if (name.StartsWith(Whiteout.Prefix, StringComparison.Ordinal)) continue;
                    var path = string.Concat(dir, "/", name);
                    var st = Posix.Lstat(path);
                    var isWhiteout = Metadata.IsOverlayWhiteout(st);
                    var closesBelow = names.Contains(Whiteout.Prefix + name);
                    if (claims.TryGetValue(name, out var claim))
                    {
                        if (!claim.Open) continue;
                        if (isWhiteout || !Posix.IsDir(st))
                        {
                            claim.Open = false;
                            continue;
                        }
                        claim.Stack.Add(layer);
                        if (closesBelow || IsOpaque(path)) claim.Open = false;
                        continue;
                    }
                    if (hidden.Contains(name)) continue;
                    if (isWhiteout)
                    {
                        hidden.Add(name);
                        continue;
                    }
                    var made = new Claim(path, st);
                    if (Posix.IsDir(st))
                    {
                        made.Stack.Add(layer);
                        made.Open = !closesBelow && !IsOpaque(path);
                    }
                    claims[name] = made;
                }
                foreach (var (name, _) in entries)
                {
                    if (!name.StartsWith(Whiteout.Prefix, StringComparison.Ordinal) || name.StartsWith(Whiteout.MetaPrefix, StringComparison.Ordinal)) continue;
                    if (Whiteout.Target(name) is not { } victim) continue;
                    if (claims.TryGetValue(victim, out var claim)) claim.Open = false;
                    else hidden.Add(victim);
                }
            }

            foreach (var (name, claim) in claims)
            {
                ct.ThrowIfCancellationRequested();
                var childRel = RawPath.Join(rel, name);
                if (Posix.IsDir(claim.Stat))
                {
                    ref var st = ref claim.Stat;
                    tar.Directory(childRel, st.Mode, st.Uid, st.Gid, st.MTime.Sec, st.MTime.Nsec, Metadata.ContentXattrs(claim.Path));
                    Directory(childRel, claim.Stack);
                }
                else
                {
                    Entry(childRel, claim.Path, claim.Stat);
                }
            }
        }

        private void Entry(string rel, string path, in Statx st)
        {
            var type = Posix.TypeOf(st);
            var (sec, nsec) = (st.MTime.Sec, st.MTime.Nsec);
            if (type is SIfReg or SIfLnk or SIfChr or SIfBlk or SIfIfo && st.NLink > 1)
            {
                var inode = (st.DevMajor, st.DevMinor, st.Ino);
                if (_links.TryGetValue(inode, out var first))
                {
                    tar.HardLink(rel, first, st.Mode, st.Uid, st.Gid, sec, nsec);
                    return;
                }
                _links[inode] = rel;
            }
            switch (type)
            {
                case SIfReg:
                    File(rel, path, st);
                    break;
                case SIfLnk:
                    tar.Symlink(rel, Posix.ReadLink(path), st.Uid, st.Gid, sec, nsec, Metadata.ContentXattrs(path));
                    break;
                case SIfChr:
                    tar.Node(TarEntry.CharDevice, rel, st.Mode, st.Uid, st.Gid, sec, nsec, st.RDevMajor, st.RDevMinor, Metadata.ContentXattrs(path));
                    break;
                case SIfBlk:
                    tar.Node(TarEntry.BlockDevice, rel, st.Mode, st.Uid, st.Gid, sec, nsec, st.RDevMajor, st.RDevMinor, Metadata.ContentXattrs(path));
                    break;
                case SIfIfo:
                    tar.Node(TarEntry.Fifo, rel, st.Mode, st.Uid, st.Gid, sec, nsec, 0, 0, Metadata.ContentXattrs(path));
                    break;
                // Sockets cannot be archived: they are skipped, as the flattened copy skips them.
            }
        }

        private void File(string rel, string path, in Statx st)
        {
            var size = (long)st.Size;
            var fd = Posix.OpenRead(path);
            try
            {
                tar.File(rel, st.Mode, st.Uid, st.Gid, size, st.MTime.Sec, st.MTime.Nsec, Metadata.ContentXattrs(path));
                var left = size;
                while (left > 0)
                {
                    ct.ThrowIfCancellationRequested();
                    var n = Posix.Read(fd, _buffer.AsSpan(0, (int)Math.Min(ReadChunk, left)), path);
                    if (n == 0) throw new IOException($"read '{RawPath.Display(path)}': the file shrank while it was being sent");
                    tar.Data(_buffer.AsSpan(0, n));
                    left -= n;
                }
                tar.EndFile(size);
            }
            finally
            {
                Posix.Close(fd);
            }
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
    }
}
