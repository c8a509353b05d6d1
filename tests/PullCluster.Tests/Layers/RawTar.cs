using System.Text;

namespace PullCluster.Tests.Layers;

/// <summary>
/// Writes ustar headers byte by byte, for what TarWriter cannot express: binary PAX xattr values, names that are not
/// UTF-8, hand-made malformed entries.
/// </summary>
internal sealed class RawTar
{
    private readonly MemoryStream _stream = new();

    public RawTar Pax(params (string Key, byte[] Value)[] records)
    {
        var body = new MemoryStream();
        foreach (var (key, value) in records)
        {
            var payload = Encoding.ASCII.GetBytes($" {key}=").Concat(value).Append((byte)'\n').ToArray();
            // The length prefix counts itself.
            var length = payload.Length + 1;
            while ((length.ToString().Length + payload.Length) != length) length++;
            body.Write(Encoding.ASCII.GetBytes(length.ToString()));
            body.Write(payload);
        }
        return Entry((byte)'x', Encoding.ASCII.GetBytes("PaxHeaders/x"), body.ToArray());
    }

    public RawTar Entry(byte type, byte[] name, byte[]? data = null, int mode = 0x1a4, byte[]? link = null, long mtime = 1_700_000_000)
    {
        data ??= [];
        var h = new byte[512];
        name.CopyTo(h, 0);
        Octal(h, 100, 8, mode);
        Octal(h, 108, 8, 0);
        Octal(h, 116, 8, 0);
        Octal(h, 124, 12, data.Length);
        Octal(h, 136, 12, mtime);
        h[156] = type;
        link?.CopyTo(h, 157);
        "ustar\000"u8.CopyTo(h.AsSpan(257));
        h.AsSpan(148, 8).Fill((byte)' ');
        Octal(h, 148, 7, h.Sum(b => (long)b));
        _stream.Write(h);
        _stream.Write(data);
        _stream.Write(new byte[(512 - data.Length % 512) % 512]);
        return this;
    }

    public RawTar File(string name, string content) => Entry((byte)'0', Encoding.UTF8.GetBytes(name), Encoding.UTF8.GetBytes(content));

    public byte[] ToArray()
    {
        _stream.Write(new byte[1024]);
        return _stream.ToArray();
    }

    private static void Octal(byte[] h, int offset, int width, long value)
    {
        var text = Convert.ToString(value, 8).PadLeft(width - 1, '0');
        Encoding.ASCII.GetBytes(text).CopyTo(h, offset);
        h[offset + width - 1] = 0;
    }
}
