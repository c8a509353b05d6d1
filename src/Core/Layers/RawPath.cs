using System.Text;

namespace PullCluster.Core.Layers;

/// <summary>
/// Paths as byte strings: each char holds one byte (Latin-1), so names from a tar that are not valid UTF-8
/// reach the file system unchanged and are compared byte for byte.
/// </summary>
internal static class RawPath
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static string FromString(string path) => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(path));

    public static string FromBytes(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    public static string Join(string dir, string name) => dir.Length == 0 ? name : string.Concat(dir, "/", name);

    /// <summary>The readable form for messages: UTF-8 when it decodes, otherwise bad bytes shown as \xNN.</summary>
    public static string Display(string raw)
    {
        var bytes = Encoding.Latin1.GetBytes(raw);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            var sb = new StringBuilder(bytes.Length * 2);
            foreach (var b in bytes)
                if (b is >= 0x20 and < 0x7f) sb.Append((char)b);
                else sb.Append($"\\x{b:x2}");
            return sb.ToString();
        }
    }

    /// <summary>Writes <paramref name="raw"/> NUL-terminated into <paramref name="scratch"/> when it fits, else into a new array.</summary>
    public static Span<byte> Terminated(string raw, Span<byte> scratch)
    {
        var span = raw.Length < scratch.Length ? scratch[..(raw.Length + 1)] : new byte[raw.Length + 1];
        Encoding.Latin1.GetBytes(raw, span);
        span[^1] = 0;
        return span;
    }
}
