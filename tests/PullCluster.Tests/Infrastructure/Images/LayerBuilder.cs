using System.Formats.Tar;
using System.Text;

namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// Describes a layer's tar in code, entry by entry, in the order given. Modes are octal strings ("644", "4755").
/// The tar is PAX format with a fixed modification time and no user/group names, so equal descriptions give equal
/// bytes and equal digests.
/// </summary>
public sealed class LayerBuilder
{
    public static readonly DateTimeOffset DefaultModificationTime = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const string XattrPrefix = "SCHILY.xattr.";

    private readonly List<LayerEntry> _entries = [];

    public IReadOnlyList<LayerEntry> Entries => _entries;

    public LayerBuilder File(string path, string content, string mode = "644", int uid = 0, int gid = 0,
        DateTimeOffset? mtime = null, IReadOnlyDictionary<string, string>? xattrs = null,
        IReadOnlyDictionary<string, string>? pax = null) =>
        File(path, Encoding.UTF8.GetBytes(content), mode, uid, gid, mtime, xattrs, pax);

    public LayerBuilder File(string path, byte[] content, string mode = "644", int uid = 0, int gid = 0,
        DateTimeOffset? mtime = null, IReadOnlyDictionary<string, string>? xattrs = null,
        IReadOnlyDictionary<string, string>? pax = null) =>
        Entry(new LayerEntry(TarEntryType.RegularFile, path)
        {
            Content = content, Mode = Octal(mode), Uid = uid, Gid = gid,
            ModificationTime = mtime ?? DefaultModificationTime, Pax = MergePax(xattrs, pax),
        });

    /// <summary>A directory; a trailing slash is added as tar tools write it.</summary>
    public LayerBuilder Dir(string path, string mode = "755", int uid = 0, int gid = 0, DateTimeOffset? mtime = null,
        IReadOnlyDictionary<string, string>? xattrs = null) =>
        Entry(new LayerEntry(TarEntryType.Directory, path.EndsWith('/') ? path : path + "/")
        {
            Mode = Octal(mode), Uid = uid, Gid = gid, ModificationTime = mtime ?? DefaultModificationTime,
            Pax = MergePax(xattrs, null),
        });

    public LayerBuilder Symlink(string path, string target, int uid = 0, int gid = 0, DateTimeOffset? mtime = null) =>
        Entry(new LayerEntry(TarEntryType.SymbolicLink, path)
        {
            LinkTarget = target, Mode = Octal("777"), Uid = uid, Gid = gid, ModificationTime = mtime ?? DefaultModificationTime,
        });

    /// <summary>A hard link to <paramref name="target"/>, a path inside the layer (or, maliciously, outside it).</summary>
    public LayerBuilder Hardlink(string path, string target) =>
        Entry(new LayerEntry(TarEntryType.HardLink, path) { LinkTarget = target, Mode = Octal("644") });

    public LayerBuilder Fifo(string path, string mode = "644") =>
        Entry(new LayerEntry(TarEntryType.Fifo, path) { Mode = Octal(mode) });

    public LayerBuilder CharDevice(string path, int major, int minor, string mode = "666") =>
        Entry(new LayerEntry(TarEntryType.CharacterDevice, path) { Mode = Octal(mode), DeviceMajor = major, DeviceMinor = minor });

    public LayerBuilder BlockDevice(string path, int major, int minor, string mode = "660") =>
        Entry(new LayerEntry(TarEntryType.BlockDevice, path) { Mode = Octal(mode), DeviceMajor = major, DeviceMinor = minor });

    /// <summary>Deletes <paramref name="path"/> from lower layers: writes <c>dir/.wh.name</c>.</summary>
    public LayerBuilder Whiteout(string path)
    {
        var trimmed = path.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        var whiteout = slash < 0 ? ".wh." + trimmed : trimmed[..(slash + 1)] + ".wh." + trimmed[(slash + 1)..];
        return Entry(new LayerEntry(TarEntryType.RegularFile, whiteout) { Content = [], Mode = Octal("644") });
    }

    /// <summary>Hides everything lower layers put in <paramref name="dir"/>: writes <c>dir/.wh..wh..opq</c>.</summary>
    public LayerBuilder OpaqueDir(string dir) =>
        Entry(new LayerEntry(TarEntryType.RegularFile, dir.TrimEnd('/') + "/.wh..wh..opq") { Content = [], Mode = Octal("644") });

    /// <summary>Any entry at all, for combinations the helpers above do not cover.</summary>
    public LayerBuilder Entry(LayerEntry entry)
    {
        _entries.Add(entry);
        return this;
    }

    /// <summary>
    /// Adds a copy of <paramref name="sourceDir"/> (directories, regular files, symlinks; walked in ordinal name order)
    /// under <paramref name="targetPrefix"/> until the next file would take the content past <paramref name="maxBytes"/>.
    /// File bytes are read when the tar is written. Meant for system directories such as /usr/lib.
    /// </summary>
    public LayerBuilder FromDirectory(string sourceDir, long maxBytes, string targetPrefix = "")
    {
        if (!Directory.Exists(sourceDir)) throw new DirectoryNotFoundException($"layer source directory {sourceDir} does not exist");
        var prefix = targetPrefix.Length == 0 || targetPrefix.EndsWith('/') ? targetPrefix : targetPrefix + "/";
        long total = 0;
        var options = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = true };

        bool Walk(DirectoryInfo dir, string relative)
        {
            foreach (var info in dir.EnumerateFileSystemInfos("*", options).OrderBy(i => i.Name, StringComparer.Ordinal))
            {
                var target = prefix + relative + info.Name;
                if (info.LinkTarget is { } link)
                {
                    Symlink(target, link);
                }
                else if (info is DirectoryInfo sub)
                {
                    Entry(new LayerEntry(TarEntryType.Directory, target + "/") { Mode = (int)sub.UnixFileMode & 0xFFF });
                    if (!Walk(sub, relative + info.Name + "/")) return false;
                }
                else if (info is FileInfo file)
                {
                    if (total + file.Length > maxBytes) return false;
                    total += file.Length;
                    Entry(new LayerEntry(TarEntryType.RegularFile, target)
                    {
                        SourceFile = file.FullName, Mode = (int)file.UnixFileMode & 0xFFF,
                    });
                }
            }
            return true;
        }

        Walk(new DirectoryInfo(sourceDir), "");
        return this;
    }

    public byte[] ToTar()
    {
        var output = new MemoryStream();
        WriteTar(output);
        return output.ToArray();
    }

    public void WriteTar(Stream output)
    {
        using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        foreach (var entry in _entries)
        {
            var tarEntry = entry.ToTarEntry();
            try { writer.WriteEntry(tarEntry); }
            finally { tarEntry.DataStream?.Dispose(); }
        }
    }

    /// <summary>Parses an octal mode string such as "755" or "4755".</summary>
    public static int Octal(string mode)
    {
        if (mode.Length is 0 or > 4 || mode.Any(c => c is < '0' or > '7'))
            throw new FormatException($"invalid octal file mode '{mode}'");
        return Convert.ToInt32(mode, 8);
    }

    private static Dictionary<string, string>? MergePax(IReadOnlyDictionary<string, string>? xattrs, IReadOnlyDictionary<string, string>? pax)
    {
        if (xattrs is null && pax is null) return null;
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in xattrs ?? new Dictionary<string, string>()) merged[XattrPrefix + k] = v;
        foreach (var (k, v) in pax ?? new Dictionary<string, string>()) merged[k] = v;
        return merged;
    }
}
