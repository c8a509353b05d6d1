using System.Formats.Tar;

namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// One tar entry as a test describes it. Paths are written exactly as given (no cleaning), so malicious names such as
/// <c>../x</c> or <c>/etc/passwd</c> reach the tar unchanged.
/// </summary>
public sealed record LayerEntry(TarEntryType Type, string Path)
{
    public byte[]? Content { get; init; }

    /// <summary>A file on this machine whose bytes become the entry's content when the tar is written.</summary>
    public string? SourceFile { get; init; }

    public string? LinkTarget { get; init; }

    /// <summary>Permission bits including setuid/setgid/sticky; <see cref="LayerBuilder.Octal"/> parses "4755".</summary>
    public int Mode { get; init; }

    public int Uid { get; init; }

    public int Gid { get; init; }

    public DateTimeOffset ModificationTime { get; init; } = LayerBuilder.DefaultModificationTime;

    public int DeviceMajor { get; init; }

    public int DeviceMinor { get; init; }

    /// <summary>Extra PAX records written in the entry's extended header (xattrs are <c>SCHILY.xattr.&lt;name&gt;</c>).</summary>
    public IReadOnlyDictionary<string, string>? Pax { get; init; }

    internal PaxTarEntry ToTarEntry()
    {
        var entry = Pax is { Count: > 0 } ? new PaxTarEntry(Type, Path, Pax) : new PaxTarEntry(Type, Path);
        entry.Mode = (UnixFileMode)Mode;
        entry.Uid = Uid;
        entry.Gid = Gid;
        entry.ModificationTime = ModificationTime;
        if (LinkTarget is not null) entry.LinkName = LinkTarget;
        if (Type is TarEntryType.CharacterDevice or TarEntryType.BlockDevice)
        {
            entry.DeviceMajor = DeviceMajor;
            entry.DeviceMinor = DeviceMinor;
        }
        if (Content is not null) entry.DataStream = new MemoryStream(Content, writable: false);
        else if (SourceFile is not null) entry.DataStream = File.OpenRead(SourceFile);
        return entry;
    }
}
