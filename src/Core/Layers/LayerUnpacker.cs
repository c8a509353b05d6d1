using PullCluster.Core.Formats;
using ZstdSharp;

namespace PullCluster.Core.Layers;

public static class LayerUnpacker
{
    /// <summary>
    /// Decompresses <paramref name="compressed"/>, hashes the whole uncompressed tar stream (the diff id: every byte,
    /// padding and trailer included, read to the end of the stream) and extracts it into <paramref name="targetDir"/>
    /// (existing, empty) as a layer diff, whiteouts recorded as <see cref="LayerApplyOptions.Whiteouts"/> says.
    /// Blocking by design: run it off actor threads. On failure the target holds a partial diff for the caller to delete.
    /// </summary>
    /// <exception cref="LayerFormatException">Unsafe entry, malformed/truncated tar or compression, decompression bomb.</exception>
    /// <exception cref="IOException">The file system refused an operation; the message names it and the path.</exception>
    public static LayerUnpackResult UnpackDiff(
        Stream compressed, LayerCompression compression, string targetDir, LayerApplyOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        ArgumentNullException.ThrowIfNull(options);
        var root = TargetDirectory.RequireEmpty(targetDir);
        var parents = options.ParentLayers.Select(TargetDirectory.RequireDirectory).ToList();

        var counting = new CountingStream(compressed);
        using var uncompressed = Decompression.Open(counting, compression);
        using var source = new TarSource(uncompressed, counting, options);
        var reader = new TarEntryReader(source);
        var extractor = new DiffExtractor(root, options, ct);
        var entries = 0;
        try
        {
            while (reader.Next() is { } entry)
            {
                ct.ThrowIfCancellationRequested();
                extractor.Apply(entry, reader);
                entries++;
            }
            var diffId = Digest.FromHash("sha256", source.Finish());
            var implied = extractor.Finish();
            if (parents.Count > 0) ImplicitDirectories.Inherit(root, implied, parents, options.PreserveOwnership);
            return new LayerUnpackResult(diffId, source.TotalRead, entries)
            {
                ImplicitDirectories = implied.Select(RawPath.Display).ToList(),
            };
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or ZstdException)
        {
            var where = source.CurrentEntry is { } name ? $" at entry '{RawPath.Display(name)}'" : "";
            throw new LayerFormatException(
                $"{compression} layer stream is corrupt or truncated{where} after {source.TotalRead} uncompressed bytes: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// For a diff unpacked before its parents: gives each directory the tar only implied (<see
    /// cref="LayerUnpackResult.ImplicitDirectories"/>) the metadata of the same directory in the nearest of
    /// <paramref name="parentLayers"/> (unpacked diffs, nearest first), as <see cref="LayerApplyOptions.ParentLayers"/>
    /// would have at unpack time.
    /// </summary>
    /// <returns>The directories whose metadata changed, so a caller that needs them durable can sync them.</returns>
    public static IReadOnlyList<string> InheritImplicitDirectories(
        string diffDir, IEnumerable<string> implicitDirectories, IReadOnlyList<string> parentLayers, LayerApplyOptions options)
    {
        ArgumentNullException.ThrowIfNull(implicitDirectories);
        ArgumentNullException.ThrowIfNull(options);
        var root = TargetDirectory.RequireDirectory(diffDir);
        var parents = parentLayers.Select(TargetDirectory.RequireDirectory).ToList();
        var rels = implicitDirectories.Select(d => EntryPath.Clean(RawPath.FromString(d), RawPath.FromString(d))).Where(d => d.Length > 0);
        return ImplicitDirectories.Inherit(root, rels, parents, options.PreserveOwnership);
    }
}
