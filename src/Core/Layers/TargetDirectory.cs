namespace PullCluster.Core.Layers;

internal static class TargetDirectory
{
    /// <summary>The raw absolute path of <paramref name="dir"/>, which must be an existing empty directory.</summary>
    public static string RequireEmpty(string dir)
    {
        var raw = RequireDirectory(dir);
        if (Posix.ReadDir(raw).Count > 0) throw new IOException($"target directory '{dir}' is not empty");
        return raw;
    }

    public static string RequireDirectory(string dir)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        var full = Path.GetFullPath(dir).TrimEnd('/');
        if (full.Length == 0) throw new ArgumentException("the file system root cannot be a layer directory", nameof(dir));
        var raw = RawPath.FromString(full);
        if (!Posix.TryLstat(raw, out var st) || !Posix.IsDir(st))
            throw new DirectoryNotFoundException($"directory '{dir}' does not exist");
        return raw;
    }
}
