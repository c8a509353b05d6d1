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
            extractor.Finish();
            return new LayerUnpackResult(diffId, source.TotalRead, entries);
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or ZstdException)
        {
            var where = source.CurrentEntry is { } name ? $" at entry '{RawPath.Display(name)}'" : "";
            throw new LayerFormatException(
                $"{compression} layer stream is corrupt or truncated{where} after {source.TotalRead} uncompressed bytes: {ex.Message}", ex);
        }
    }
}
