namespace PullCluster.Core.Layers;

/// <summary>
/// Extracts a plain tar of a whole tree (a flattened root filesystem, an OCI image layout) into an empty directory,
/// with the rules that keep layers inside their directory: entries that would leave it (<c>..</c>, absolute paths,
/// writes through a symlink, hardlinks to outside) are refused, symlinks are never followed, and directory modes are
/// applied last. Whiteout names are ordinary names here: the tree is already flattened. Owners are set only with
/// <see cref="LayerApplyOptions.PreserveOwnership"/> (root), devices skipped without root, as <c>tar -x</c> does.
/// </summary>
public static class TreeExtractor
{
    /// <returns>The number of entries extracted.</returns>
    /// <exception cref="LayerFormatException">Unsafe entry or malformed/truncated tar.</exception>
    /// <exception cref="IOException">The file system refused an operation; the message names it and the path.</exception>
    public static int Extract(Stream tar, string targetDir, LayerApplyOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tar);
        ArgumentNullException.ThrowIfNull(options);
        var root = TargetDirectory.RequireEmpty(targetDir);
        using var source = new TarSource(tar);
        var reader = new TarEntryReader(source);
        var extractor = new DiffExtractor(root, options with { Whiteouts = WhiteoutStyle.Aufs, ParentLayers = [] }, ct);
        var entries = 0;
        while (reader.Next() is { } entry)
        {
            ct.ThrowIfCancellationRequested();
            extractor.Apply(entry, reader);
            entries++;
        }
        extractor.Finish();
        return entries;
    }

    /// <summary>Removes everything in <paramref name="dir"/> (after a failed <see cref="Extract"/>); symlinks are removed, never followed.</summary>
    public static void Clear(string dir) => Posix.RemoveChildren(TargetDirectory.RequireDirectory(dir));
}
