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
            var result = new LayerUnpackResult(diffId, source.TotalRead, entries)
            {
                ImplicitDirectories = implied.Select(RawPath.Display).ToList(),
                Lower = new LowerReferences(extractor.TransparentDirectories(implied), extractor.DeferredLinks),
            };
            if (parents.Count > 0) LayerRebase.Apply(root, result.Lower, parents, options);
            return result;
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or ZstdException)
        {
            var where = source.CurrentEntry is { } name ? $" at entry '{RawPath.Display(name)}'" : "";
            throw new LayerFormatException(
                $"{compression} layer stream is corrupt or truncated{where} after {source.TotalRead} uncompressed bytes: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// For a diff unpacked before its parents: places what its tar says about paths in the layers below
    /// (<see cref="LayerUnpackResult.Lower"/>) onto <paramref name="parentLayers"/> (unpacked diffs, nearest first;
    /// none for a base layer), as <see cref="LayerApplyOptions.ParentLayers"/> would have at unpack time: directories
    /// the tar only implied move to where a lower symlink resolves them and take the metadata of the directory below;
    /// hardlinks to lower files link to a copy of the file in this layer.
    /// </summary>
    /// <returns>The paths whose entries or metadata changed, so a caller that needs them durable can <see cref="Sync"/> them.</returns>
    /// <exception cref="LayerFormatException">A path cannot be resolved inside the image, or a hardlink's target is in no layer.</exception>
    public static IReadOnlyList<string> Rebase(string diffDir, LayerUnpackResult unpacked, IReadOnlyList<string> parentLayers, LayerApplyOptions options)
    {
        ArgumentNullException.ThrowIfNull(unpacked);
        ArgumentNullException.ThrowIfNull(options);
        var root = TargetDirectory.RequireDirectory(diffDir);
        var parents = parentLayers.Select(TargetDirectory.RequireDirectory).ToList();
        return LayerRebase.Apply(root, unpacked.Lower, parents, options);
    }

    /// <summary>fsyncs each of <paramref name="changed"/>, as <see cref="Rebase"/> returned them.</summary>
    public static void Sync(IEnumerable<string> changed)
    {
        foreach (var path in changed.Distinct(StringComparer.Ordinal)) Posix.SyncPath(path);
    }
}
