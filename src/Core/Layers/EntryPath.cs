namespace PullCluster.Core.Layers;

/// <summary>Turns a tar name into a clean path relative to the layer root, refusing anything that could leave it.</summary>
internal static class EntryPath
{
    /// <summary>
    /// "./a//b/" → "a/b"; "a/../b" → "b"; "" for the root itself. Absolute names and ".." that climbs above the root
    /// are refused: the OCI layer format requires relative names, and containerd would otherwise re-root them silently.
    /// </summary>
    public static string Clean(string raw, string entryName, string what = "")
    {
        if (raw.Length == 0) throw LayerFormatException.Entry(entryName, $"has an empty {what}name");
        if (raw.Contains('\0')) throw LayerFormatException.Entry(entryName, $"has a NUL byte in its {what}name");
        if (raw[0] == '/')
            throw LayerFormatException.Entry(entryName, what.Length == 0
                ? "is an absolute path: it escapes the layer"
                : $"has an absolute {what}name '{RawPath.Display(raw)}': it escapes the layer");
        if (IsClean(raw)) return raw;

        var parts = new List<string>();
        foreach (var part in raw.Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == "..")
            {
                if (parts.Count == 0)
                    throw LayerFormatException.Entry(entryName, what.Length == 0
                        ? "escapes the layer"
                        : $"has {what}name '{RawPath.Display(raw)}', which escapes the layer");
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return string.Join('/', parts);
    }

    private static bool IsClean(string path)
    {
        var start = 0;
        while (start <= path.Length)
        {
            var slash = path.IndexOf('/', start);
            var end = slash < 0 ? path.Length : slash;
            var length = end - start;
            if (length == 0) return false;
            if (path[start] == '.' && (length == 1 || (length == 2 && path[start + 1] == '.'))) return false;
            if (slash < 0) return true;
            start = slash + 1;
        }
        return false;
    }

    public static (string Parent, string Base) Split(string clean)
    {
        var slash = clean.LastIndexOf('/');
        return slash < 0 ? ("", clean) : (clean[..slash], clean[(slash + 1)..]);
    }
}
