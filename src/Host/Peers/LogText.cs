using System.Text;

namespace PullCluster.Host.Peers;

/// <summary>
/// Makes text a remote party chose (a request target, a node id) safe to put in a log line: control characters,
/// quotes and anything outside printable ASCII are escaped, and long values are cut, so a request cannot forge or
/// flood log lines.
/// </summary>
internal static class LogText
{
    private const int MaxLength = 200;

    public static string Escape(string? text)
    {
        if (text is null) return "(none)";
        var sb = new StringBuilder(Math.Min(text.Length, MaxLength) + 2);
        foreach (var c in text)
        {
            if (sb.Length >= MaxLength)
            {
                sb.Append("…");
                break;
            }
            if (c is '\\' or '"') sb.Append('\\').Append(c);
            else if (c is >= ' ' and < (char)0x7f) sb.Append(c);
            else sb.Append($"\\u{(int)c:x4}");
        }
        return sb.ToString();
    }
}
