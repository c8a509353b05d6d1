using System.Globalization;
using System.Text;

namespace PullCluster.Core.Layers;

/// <summary>
/// Writes a PAX tar stream that <see cref="TarEntryReader"/> (and GNU tar) read back unchanged: names and link
/// targets as raw bytes, uid/gid, mtime with nanoseconds, and xattrs as binary-safe SCHILY.xattr records.
/// System.Formats.Tar's writer encodes PAX values as UTF-8 text, which would corrupt binary xattrs such as
/// security.capability, so this is the counterpart of the project's own reader. A PAX header is written only for
/// entries that need one.
/// </summary>
internal sealed class PaxTarWriter(Stream output)
{
    private const int Block = 512;
    private const long MaxOctal7 = 0x1F_FFFF; // 7 octal digits
    private const long MaxOctal11 = 0x1_FFFF_FFFF; // 11 octal digits

    private readonly byte[] _header = new byte[Block];
    private readonly List<(string Key, byte[] Value)> _pax = [];
    private readonly MemoryStream _paxData = new();

    public void Directory(string name, uint mode, uint uid, uint gid, long mtimeSec, uint mtimeNsec, List<(byte[], byte[])> xattrs) =>
        Header(TarEntry.Directory, name.EndsWith('/') ? name : name + "/", "", mode, uid, gid, 0, mtimeSec, mtimeNsec, 0, 0, xattrs);

    public void Symlink(string name, string target, uint uid, uint gid, long mtimeSec, uint mtimeNsec, List<(byte[], byte[])> xattrs) =>
        Header(TarEntry.Symlink, name, target, 0x1ff, uid, gid, 0, mtimeSec, mtimeNsec, 0, 0, xattrs);

    public void HardLink(string name, string target, uint mode, uint uid, uint gid, long mtimeSec, uint mtimeNsec) =>
        Header(TarEntry.HardLink, name, target, mode, uid, gid, 0, mtimeSec, mtimeNsec, 0, 0, []);

    public void Node(byte type, string name, uint mode, uint uid, uint gid, long mtimeSec, uint mtimeNsec, uint major, uint minor,
        List<(byte[], byte[])> xattrs) =>
        Header(type, name, "", mode, uid, gid, 0, mtimeSec, mtimeNsec, major, minor, xattrs);

    /// <summary>A regular file's header; exactly <paramref name="size"/> bytes must follow through <see cref="Data"/>, then <see cref="EndFile"/>.</summary>
    public void File(string name, uint mode, uint uid, uint gid, long size, long mtimeSec, uint mtimeNsec, List<(byte[], byte[])> xattrs) =>
        Header(TarEntry.Regular, name, "", mode, uid, gid, size, mtimeSec, mtimeNsec, 0, 0, xattrs);

    public void Data(ReadOnlySpan<byte> data) => output.Write(data);

    /// <summary>Pads the file's data to the block size.</summary>
    public void EndFile(long size)
    {
        var padding = (int)((Block - size % Block) % Block);
        if (padding > 0) output.Write(new ReadOnlySpan<byte>(Zeros, 0, padding));
    }

    /// <summary>The end-of-archive marker: two zero blocks.</summary>
    public void Finish() => output.Write(Zeros, 0, 2 * Block);

    private static readonly byte[] Zeros = new byte[2 * Block];

    private void Header(byte type, string name, string link, uint mode, uint uid, uint gid, long size, long mtimeSec, uint mtimeNsec,
        uint major, uint minor, List<(byte[] Name, byte[] Value)> xattrs)
    {
        _pax.Clear();
        var nameBytes = Encoding.Latin1.GetBytes(name);
        var linkBytes = Encoding.Latin1.GetBytes(link);
        if (nameBytes.Length > 100) _pax.Add(("path", nameBytes));
        if (linkBytes.Length > 100) _pax.Add(("linkpath", linkBytes));
        if (uid > MaxOctal7) _pax.Add(("uid", Ascii(uid)));
        if (gid > MaxOctal7) _pax.Add(("gid", Ascii(gid)));
        if (size > MaxOctal11) _pax.Add(("size", Ascii(size)));
        if (mtimeNsec != 0 || mtimeSec is < 0 or > MaxOctal11) _pax.Add(("mtime", Encoding.ASCII.GetBytes(PaxTime(mtimeSec, mtimeNsec))));
        foreach (var (xname, value) in xattrs) _pax.Add(("SCHILY.xattr." + Encoding.Latin1.GetString(xname), value));
        if (major > MaxOctal7 || minor > MaxOctal7)
            throw new IOException($"device numbers {major}:{minor} of '{RawPath.Display(name)}' do not fit a tar header");
        if (_pax.Count > 0) WritePax(nameBytes);

        var h = _header.AsSpan();
        h.Clear();
        nameBytes.AsSpan(0, Math.Min(100, nameBytes.Length)).CopyTo(h);
        Octal(h.Slice(100, 8), mode & 0xFFF);
        Octal(h.Slice(108, 8), uid > MaxOctal7 ? 0 : uid);
        Octal(h.Slice(116, 8), gid > MaxOctal7 ? 0 : gid);
        Octal(h.Slice(124, 12), size > MaxOctal11 ? 0 : size);
        Octal(h.Slice(136, 12), mtimeSec is < 0 or > MaxOctal11 ? 0 : mtimeSec);
        h[156] = type;
        linkBytes.AsSpan(0, Math.Min(100, linkBytes.Length)).CopyTo(h.Slice(157, 100));
        "ustar\u000000"u8.CopyTo(h.Slice(257, 8));
        if (type is TarEntry.CharDevice or TarEntry.BlockDevice)
        {
            Octal(h.Slice(329, 8), major);
            Octal(h.Slice(337, 8), minor);
        }
        Checksum(h);
        output.Write(h);
    }

    private void WritePax(byte[] name)
    {
        _paxData.SetLength(0);
        foreach (var (key, value) in _pax)
        {
            // "LEN KEY=VALUE\n", where LEN counts its own digits too.
            var rest = 1 + Encoding.Latin1.GetByteCount(key) + 1 + value.Length + 1;
            var length = rest + 1;
            while (length != rest + length.ToString(CultureInfo.InvariantCulture).Length)
                length = rest + length.ToString(CultureInfo.InvariantCulture).Length;
            _paxData.Write(Encoding.ASCII.GetBytes(length.ToString(CultureInfo.InvariantCulture) + " "));
            _paxData.Write(Encoding.Latin1.GetBytes(key));
            _paxData.WriteByte((byte)'=');
            _paxData.Write(value);
            _paxData.WriteByte((byte)'\n');
        }
        var h = _header.AsSpan();
        h.Clear();
        // The name of the extended header itself is informational; GNU tar's style keeps it recognisable.
        var label = Encoding.Latin1.GetBytes("PaxHeaders/" + Encoding.Latin1.GetString(name.AsSpan(name.AsSpan().TrimEnd((byte)'/').LastIndexOf((byte)'/') + 1)));
        label.AsSpan(0, Math.Min(100, label.Length)).CopyTo(h);
        Octal(h.Slice(100, 8), 0x1a4);
        Octal(h.Slice(108, 8), 0);
        Octal(h.Slice(116, 8), 0);
        Octal(h.Slice(124, 12), _paxData.Length);
        Octal(h.Slice(136, 12), 0);
        h[156] = (byte)'x';
        "ustar\u000000"u8.CopyTo(h.Slice(257, 8));
        Checksum(h);
        output.Write(h);
        output.Write(_paxData.GetBuffer(), 0, (int)_paxData.Length);
        EndFile(_paxData.Length);
    }

    private static byte[] Ascii(long value) => Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>PAX mtime: seconds and a fraction, negative times counted from the epoch downwards as a whole.</summary>
    private static string PaxTime(long sec, uint nsec)
    {
        if (nsec == 0) return sec.ToString(CultureInfo.InvariantCulture);
        if (sec >= 0) return string.Create(CultureInfo.InvariantCulture, $"{sec}.{nsec:D9}");
        return string.Create(CultureInfo.InvariantCulture, $"-{-(sec + 1)}.{1_000_000_000 - nsec:D9}");
    }

    /// <summary>A zero-padded octal number filling the field but for its terminating NUL.</summary>
    private static void Octal(Span<byte> field, long value)
    {
        var digits = field.Length - 1;
        for (var i = digits - 1; i >= 0; i--)
        {
            field[i] = (byte)('0' + (value & 7));
            value >>= 3;
        }
        if (value != 0) throw new ArgumentOutOfRangeException(nameof(value), "does not fit its tar header field");
        field[digits] = 0;
    }

    private static void Checksum(Span<byte> h)
    {
        h.Slice(148, 8).Fill((byte)' ');
        long sum = 0;
        foreach (var b in h) sum += b;
        Octal(h.Slice(148, 7), sum);
        h[155] = (byte)' ';
    }
}
