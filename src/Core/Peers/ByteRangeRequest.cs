using System.Globalization;

namespace PullCluster.Core.Peers;

/// <summary>
/// What a <c>Range</c> header asks of a blob of known size, as RFC 9110 §14 reads it for one range: the whole blob
/// (no header, a unit other than bytes, several ranges, or a malformed spec, all of which a server may ignore), the
/// bytes <see cref="From"/>–<see cref="To"/> (an open or too long end is cut at the blob's end; <c>-N</c> is the
/// last N bytes), or nothing satisfiable (416).
/// </summary>
public readonly record struct ByteRangeRequest(ByteRangeKind Kind, long From, long To)
{
    public long Length => Kind == ByteRangeKind.Unsatisfiable ? 0 : To - From + 1;

    /// <summary>The <c>Content-Range</c> value: <c>bytes F-T/SIZE</c>, or <c>bytes */SIZE</c> when unsatisfiable.</summary>
    public string ContentRange(long size) => Kind == ByteRangeKind.Unsatisfiable
        ? $"bytes */{size}"
        : $"bytes {From}-{To}/{size}";

    public static ByteRangeRequest Parse(string? header, long size)
    {
        var whole = new ByteRangeRequest(ByteRangeKind.Whole, 0, size - 1);
        if (string.IsNullOrWhiteSpace(header)) return whole;
        var value = header.Trim();
        if (!value.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase)) return whole;
        var spec = value["bytes=".Length..].Trim();
        if (spec.Contains(',')) return whole;
        var dash = spec.IndexOf('-');
        if (dash < 0) return whole;
        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        var unsatisfiable = new ByteRangeRequest(ByteRangeKind.Unsatisfiable, 0, -1);

        if (first.Length == 0)
        {
            if (!TryParse(last, out var suffix)) return whole;
            if (suffix == 0 || size == 0) return unsatisfiable;
            return new ByteRangeRequest(ByteRangeKind.Partial, Math.Max(0, size - suffix), size - 1);
        }
        if (!TryParse(first, out var from)) return whole;
        long to;
        if (last.Length == 0) to = size - 1;
        else if (!TryParse(last, out to) || to < from) return whole;
        if (from >= size) return unsatisfiable;
        return new ByteRangeRequest(ByteRangeKind.Partial, from, Math.Min(to, size - 1));
    }

    private static bool TryParse(string digits, out long value) =>
        long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}

public enum ByteRangeKind
{
    Whole,
    Partial,
    Unsatisfiable,
}
