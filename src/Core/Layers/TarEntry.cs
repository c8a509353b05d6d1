namespace PullCluster.Core.Layers;

/// <summary>One tar entry's header after PAX and GNU long-name records are applied; reused from entry to entry.</summary>
internal sealed class TarEntry
{
    public const byte Regular = (byte)'0';
    public const byte HardLink = (byte)'1';
    public const byte Symlink = (byte)'2';
    public const byte CharDevice = (byte)'3';
    public const byte BlockDevice = (byte)'4';
    public const byte Directory = (byte)'5';
    public const byte Fifo = (byte)'6';

    public byte Type;

    /// <summary>Raw (byte-per-char) name as stored; not yet checked.</summary>
    public string Name = "";

    public string LinkName = "";
    public uint Mode;
    public uint Uid;
    public uint Gid;
    public long Size;
    public long MTimeSeconds;
    public int MTimeNanoseconds;
    public uint DevMajor;
    public uint DevMinor;

    /// <summary>SCHILY.xattr.* records: raw name and value bytes.</summary>
    public readonly List<(byte[] Name, byte[] Value)> Xattrs = [];

    public string TypeName => Type switch
    {
        Regular => "file",
        HardLink => "hardlink",
        Symlink => "symlink",
        CharDevice => "char device",
        BlockDevice => "block device",
        Directory => "directory",
        Fifo => "fifo",
        _ => $"type '{(char)Type}'",
    };
}
