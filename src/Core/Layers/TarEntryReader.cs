using System.Text;

namespace PullCluster.Core.Layers;

/// <summary>
/// Streaming tar parser (v7, ustar, star, GNU, PAX) over a <see cref="TarSource"/>. It exists because
/// System.Formats.Tar decodes PAX values as UTF-8, which corrupts binary xattrs such as security.capability.
/// Global PAX headers are ignored and GNU sparse files refused, as containerd does.
/// </summary>
internal sealed class TarEntryReader(TarSource source)
{
    private const int Block = 512;
    private const int MaxMetaSize = 1 << 20;

    private static ReadOnlySpan<byte> XattrPrefix => "SCHILY.xattr."u8;

    private readonly TarEntry _entry = new();
    private long _dataLeft;
    private long _padding;

    // Overrides collected from PAX 'x' and GNU 'L'/'K' headers for the next entry.
    private string? _paxPath, _paxLink, _gnuName, _gnuLink;
    private long? _paxSize, _paxMtimeSec;
    private int _paxMtimeNsec;
    private uint? _paxUid, _paxGid;
    private bool _paxSparse;
    private readonly List<(byte[], byte[])> _paxXattrs = [];
    private byte[] _meta = new byte[4096];

    /// <summary>Data bytes of the current entry not yet read.</summary>
    public long DataLeft => _dataLeft;

    /// <summary>The next entry, or null at the end-of-archive marker or a clean end of stream at a block boundary.</summary>
    public TarEntry? Next()
    {
        SkipData();
        ResetOverrides();
        while (true)
        {
            var offset = source.Position;
            var header = source.Take(Block);
            if (header.Length == 0 && !HasOverrides) return null;
            if (header.Length < Block) throw Truncated("a header");
            if (header.IndexOfAnyExcept((byte)0) < 0)
            {
                if (HasOverrides) throw new LayerFormatException($"tar stream ends after an extended header at offset {offset}");
                return null;
            }
            VerifyChecksum(header, offset);

            var type = header[156];
            var size = ParseNumber(header.Slice(124, 12), "size", offset);
            if (size < 0) throw new LayerFormatException($"tar header at offset {offset} has a negative size");
            switch (type)
            {
                case (byte)'x':
                    ParsePax(ReadMeta(size, "PAX header"), offset);
                    continue;
                case (byte)'g':
                    SkipPadded(size);
                    continue;
                case (byte)'L':
                    _gnuName = TrimNul(ReadMeta(size, "GNU long name"));
                    continue;
                case (byte)'K':
                    _gnuLink = TrimNul(ReadMeta(size, "GNU long link name"));
                    continue;
            }
            Fill(header, type, size, offset);
            return _entry;
        }
    }

    /// <summary>Up to <paramref name="max"/> bytes of the current entry's data; empty when it has all been read.</summary>
    public ReadOnlySpan<byte> ReadData(int max)
    {
        if (_dataLeft == 0) return default;
        var chunk = source.Chunk(Math.Min(max, _dataLeft));
        if (chunk.Length == 0) throw Truncated($"the data of '{RawPath.Display(_entry.Name)}'");
        _dataLeft -= chunk.Length;
        return chunk;
    }

    private void SkipData()
    {
        if (_dataLeft + _padding == 0) return;
        if (!source.Skip(_dataLeft + _padding)) throw Truncated($"the data of '{RawPath.Display(_entry.Name)}'");
        _dataLeft = _padding = 0;
    }

    private void Fill(ReadOnlySpan<byte> h, byte type, long size, long offset)
    {
        var e = _entry;
        var name = CString(h[..100]);
        var magic = h.Slice(257, 8);
        if (magic.SequenceEqual("ustar\000"u8))
        {
            // star keeps atime/ctime in the tail of the prefix field and marks itself with "tar\0" at 508.
            var prefixField = h.Slice(508, 4).SequenceEqual("tar\0"u8) ? h.Slice(345, 131) : h.Slice(345, 155);
            var prefix = CString(prefixField);
            if (prefix.Length > 0) name = prefix + "/" + name;
        }
        if (type == 0) type = name.EndsWith('/') ? TarEntry.Directory : TarEntry.Regular;
        if (type == (byte)'7') type = TarEntry.Regular;
        if (type == (byte)'S' || _paxSparse)
            throw LayerFormatException.Entry(_paxPath ?? _gnuName ?? name, "is a GNU sparse file, which layers must not contain");

        e.Type = type;
        e.Name = _paxPath ?? _gnuName ?? name;
        e.LinkName = _paxLink ?? _gnuLink ?? CString(h.Slice(157, 100));
        e.Mode = (uint)(ParseNumber(h.Slice(100, 8), "mode", offset) & 0xFFF);
        e.Uid = _paxUid ?? (uint)ParseNumber(h.Slice(108, 8), "uid", offset);
        e.Gid = _paxGid ?? (uint)ParseNumber(h.Slice(116, 8), "gid", offset);
        e.Size = _paxSize ?? size;
        if (_paxMtimeSec is { } sec)
        {
            e.MTimeSeconds = sec;
            e.MTimeNanoseconds = _paxMtimeNsec;
        }
        else
        {
            e.MTimeSeconds = ParseNumber(h.Slice(136, 12), "mtime", offset);
            e.MTimeNanoseconds = 0;
        }
        var devices = type is TarEntry.CharDevice or TarEntry.BlockDevice;
        e.DevMajor = devices ? (uint)ParseNumber(h.Slice(329, 8), "devmajor", offset) : 0;
        e.DevMinor = devices ? (uint)ParseNumber(h.Slice(337, 8), "devminor", offset) : 0;
        e.Xattrs.Clear();
        e.Xattrs.AddRange(_paxXattrs);

        // Like Go's archive/tar: these types carry no data whatever their size field says.
        var headerOnly = type is TarEntry.HardLink or TarEntry.Symlink or TarEntry.CharDevice or TarEntry.BlockDevice
            or TarEntry.Directory or TarEntry.Fifo;
        _dataLeft = headerOnly ? 0 : e.Size;
        _padding = headerOnly ? 0 : PaddingOf(e.Size);
        source.CurrentEntry = e.Name;
    }

    private static long PaddingOf(long size) => (Block - size % Block) % Block;

    private bool HasOverrides =>
        _paxPath != null || _paxLink != null || _gnuName != null || _gnuLink != null || _paxSize != null ||
        _paxMtimeSec != null || _paxUid != null || _paxGid != null || _paxXattrs.Count > 0 || _paxSparse;

    private void ResetOverrides()
    {
        _paxPath = _paxLink = _gnuName = _gnuLink = null;
        _paxSize = _paxMtimeSec = null;
        _paxMtimeNsec = 0;
        _paxUid = _paxGid = null;
        _paxXattrs.Clear();
        _paxSparse = false;
    }

    private ReadOnlySpan<byte> ReadMeta(long size, string what)
    {
        if (size > MaxMetaSize) throw new LayerFormatException($"tar {what} of {size} bytes is larger than {MaxMetaSize}");
        if (_meta.Length < size) _meta = new byte[Math.Max(size, _meta.Length * 2)];
        var done = 0;
        while (done < size)
        {
            var chunk = source.Chunk(size - done);
            if (chunk.Length == 0) throw Truncated($"a {what}");
            chunk.CopyTo(_meta.AsSpan(done));
            done += chunk.Length;
        }
        if (!source.Skip(PaddingOf(size))) throw Truncated($"a {what}");
        return _meta.AsSpan(0, (int)size);
    }

    private void SkipPadded(long size)
    {
        if (!source.Skip(size + PaddingOf(size))) throw Truncated("a global PAX header");
    }

    private void ParsePax(ReadOnlySpan<byte> data, long offset)
    {
        while (data.Length > 0)
        {
            var space = data.IndexOf((byte)' ');
            if (space <= 0 || !int.TryParse(Encoding.ASCII.GetString(data[..space]), System.Globalization.NumberStyles.None, null, out var length) ||
                length <= space + 1 || length > data.Length || data[length - 1] != '\n')
                throw new LayerFormatException($"malformed PAX record in the header at offset {offset}");
            var record = data[(space + 1)..(length - 1)];
            data = data[length..];
            var eq = record.IndexOf((byte)'=');
            if (eq <= 0) throw new LayerFormatException($"malformed PAX record in the header at offset {offset}");
            var key = record[..eq];
            var value = record[(eq + 1)..];

            if (key.StartsWith(XattrPrefix))
                _paxXattrs.Add((key[XattrPrefix.Length..].ToArray(), value.ToArray()));
            else if (key.SequenceEqual("path"u8)) _paxPath = NonEmpty(value);
            else if (key.SequenceEqual("linkpath"u8)) _paxLink = NonEmpty(value);
            else if (key.SequenceEqual("size"u8)) _paxSize = ParsePaxInteger(value, "size", offset);
            else if (key.SequenceEqual("uid"u8)) _paxUid = (uint)ParsePaxInteger(value, "uid", offset);
            else if (key.SequenceEqual("gid"u8)) _paxGid = (uint)ParsePaxInteger(value, "gid", offset);
            else if (key.SequenceEqual("mtime"u8)) ParsePaxTime(value, offset);
            else if (key.StartsWith("GNU.sparse."u8)) _paxSparse = true;
        }
    }

    private static string? NonEmpty(ReadOnlySpan<byte> value) => value.Length == 0 ? null : RawPath.FromBytes(value);

    private static long ParsePaxInteger(ReadOnlySpan<byte> value, string key, long offset) =>
        long.TryParse(Encoding.ASCII.GetString(value), System.Globalization.NumberStyles.None, null, out var v)
            ? v
            : throw new LayerFormatException($"invalid PAX {key} '{Encoding.ASCII.GetString(value)}' in the header at offset {offset}");

    private void ParsePaxTime(ReadOnlySpan<byte> value, long offset)
    {
        var text = Encoding.ASCII.GetString(value);
        var negative = text.StartsWith('-');
        var body = negative ? text[1..] : text;
        var dot = body.IndexOf('.');
        var whole = dot < 0 ? body : body[..dot];
        var fraction = dot < 0 ? "" : body[(dot + 1)..];
        if (!long.TryParse(whole, System.Globalization.NumberStyles.None, null, out var seconds) ||
            fraction.Any(c => c is < '0' or > '9'))
            throw new LayerFormatException($"invalid PAX mtime '{text}' in the header at offset {offset}");
        var nanos = fraction.Length == 0 ? 0 : int.Parse(fraction.Length > 9 ? fraction[..9] : fraction.PadRight(9, '0'));
        if (negative && nanos > 0)
        {
            seconds += 1;
            nanos = 1_000_000_000 - nanos;
        }
        _paxMtimeSec = negative ? -seconds : seconds;
        _paxMtimeNsec = nanos;
    }

    private static void VerifyChecksum(ReadOnlySpan<byte> h, long offset)
    {
        long unsignedSum = 0, signedSum = 0;
        for (var i = 0; i < Block; i++)
        {
            var b = i is >= 148 and < 156 ? (byte)' ' : h[i];
            unsignedSum += b;
            signedSum += (sbyte)b;
        }
        var stored = ParseNumber(h.Slice(148, 8), "checksum", offset);
        if (stored != unsignedSum && stored != signedSum)
            throw new LayerFormatException($"invalid tar header checksum at offset {offset}: not a tar stream, or a corrupt one");
    }

    /// <summary>An octal field (NUL/space padded) or a GNU base-256 one (high bit of the first byte set).</summary>
    private static long ParseNumber(ReadOnlySpan<byte> field, string what, long offset)
    {
        if (field.Length > 0 && (field[0] & 0x80) != 0)
        {
            // Two's complement big-endian: invert a negative number's bytes and read it as unsigned (-a-1 == ~a).
            var invert = (field[0] & 0x40) != 0 ? (byte)0xff : (byte)0;
            ulong x = 0;
            for (var i = 0; i < field.Length; i++)
            {
                var c = (byte)(field[i] ^ invert);
                if (i == 0) c &= 0x7f;
                if ((x >> 56) != 0) throw new LayerFormatException($"tar {what} field at offset {offset} overflows");
                x = (x << 8) | c;
            }
            if ((x >> 63) != 0) throw new LayerFormatException($"tar {what} field at offset {offset} overflows");
            return invert != 0 ? ~(long)x : (long)x;
        }
        var s = field.TrimStart((byte)' ');
        var end = s.IndexOfAny((byte)0, (byte)' ');
        if (end >= 0) s = s[..end];
        long result = 0;
        foreach (var c in s)
        {
            if (c is < (byte)'0' or > (byte)'7')
                throw new LayerFormatException($"invalid tar {what} field at offset {offset}: not a tar stream, or a corrupt one");
            result = checked(result * 8 + (c - '0'));
        }
        return result;
    }

    private static string CString(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return RawPath.FromBytes(end < 0 ? field : field[..end]);
    }

    private static string TrimNul(ReadOnlySpan<byte> data) => RawPath.FromBytes(data.TrimEnd((byte)0));

    private LayerFormatException Truncated(string what) =>
        new($"tar stream is truncated: it ends inside {what} (after {source.Position} bytes)");
}
