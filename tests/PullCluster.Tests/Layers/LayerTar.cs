using System.Formats.Tar;
using System.Text;

namespace PullCluster.Tests.Layers;

/// <summary>Builds layer tars with System.Formats.Tar's TarWriter, in PAX or GNU format.</summary>
internal sealed class LayerTar
{
    public static readonly DateTimeOffset DefaultTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private readonly MemoryStream _stream = new();
    private readonly TarWriter _writer;
    private readonly TarEntryFormat _format;

    public LayerTar(TarEntryFormat format = TarEntryFormat.Pax)
    {
        _format = format;
        _writer = new TarWriter(_stream, format, leaveOpen: true);
    }

    /// <summary>Octal mode from its usual spelling, e.g. "4755".</summary>
    public static int Oct(string octal) => Convert.ToInt32(octal, 8);

    public LayerTar Dir(string name, string mode = "755", int uid = 0, int gid = 0, DateTimeOffset? mtime = null,
        IDictionary<string, string>? xattrs = null) =>
        Add(TarEntryType.Directory, name, mode, uid, gid, mtime, xattrs);

    public LayerTar File(string name, string content, string mode = "644", int uid = 0, int gid = 0,
        DateTimeOffset? mtime = null, IDictionary<string, string>? xattrs = null) =>
        File(name, Encoding.UTF8.GetBytes(content), mode, uid, gid, mtime, xattrs);

    public LayerTar File(string name, byte[] content, string mode = "644", int uid = 0, int gid = 0,
        DateTimeOffset? mtime = null, IDictionary<string, string>? xattrs = null) =>
        Add(TarEntryType.RegularFile, name, mode, uid, gid, mtime, xattrs, e => e.DataStream = new MemoryStream(content));

    public LayerTar Symlink(string name, string target, int uid = 0, int gid = 0, DateTimeOffset? mtime = null) =>
        Add(TarEntryType.SymbolicLink, name, "777", uid, gid, mtime, null, e => e.LinkName = target);

    /// <summary>A hardlink entry; its header repeats the target's metadata, as tar writers do.</summary>
    public LayerTar Hardlink(string name, string target, string mode = "644", int uid = 0, int gid = 0, DateTimeOffset? mtime = null) =>
        Add(TarEntryType.HardLink, name, mode, uid, gid, mtime, null, e => e.LinkName = target);

    public LayerTar Fifo(string name, string mode = "644", int uid = 0, int gid = 0, DateTimeOffset? mtime = null) =>
        Add(TarEntryType.Fifo, name, mode, uid, gid, mtime, null);

    public LayerTar CharDevice(string name, int major, int minor, string mode = "666", int uid = 0, int gid = 0) =>
        Add(TarEntryType.CharacterDevice, name, mode, uid, gid, null, null, e => { e.DeviceMajor = major; e.DeviceMinor = minor; });

    public LayerTar BlockDevice(string name, int major, int minor, string mode = "660", int uid = 0, int gid = 6) =>
        Add(TarEntryType.BlockDevice, name, mode, uid, gid, null, null, e => { e.DeviceMajor = major; e.DeviceMinor = minor; });

    /// <summary>An empty regular file: the form whiteout markers take in image layers.</summary>
    public LayerTar Whiteout(string name) => File(name, "", "600");

    public byte[] ToArray()
    {
        _writer.Dispose();
        return _stream.ToArray();
    }

    private LayerTar Add(TarEntryType type, string name, string mode, int uid, int gid, DateTimeOffset? mtime,
        IDictionary<string, string>? xattrs, Action<PosixTarEntry>? configure = null)
    {
        PosixTarEntry entry = _format switch
        {
            TarEntryFormat.Pax when xattrs is { Count: > 0 } =>
                new PaxTarEntry(type, name, xattrs.Select(x => KeyValuePair.Create("SCHILY.xattr." + x.Key, x.Value))),
            TarEntryFormat.Pax => new PaxTarEntry(type, name),
            TarEntryFormat.Gnu when xattrs is not { Count: > 0 } => new GnuTarEntry(type, name),
            _ => throw new ArgumentException($"xattrs need the PAX format, not {_format}"),
        };
        entry.Mode = (UnixFileMode)Oct(mode);
        entry.Uid = uid;
        entry.Gid = gid;
        entry.ModificationTime = mtime ?? DefaultTime;
        configure?.Invoke(entry);
        _writer.WriteEntry(entry);
        return this;
    }
}
