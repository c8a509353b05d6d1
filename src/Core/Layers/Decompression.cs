using PullCluster.Core.Formats;
using ZstdSharp;

namespace PullCluster.Core.Layers;

public static class Decompression
{
    /// <summary>
    /// A read-only stream of the uncompressed layer. gzip fails on truncation and trailing garbage (GZipStream does not);
    /// zstd fails on a truncated frame. Disposing the result disposes <paramref name="compressed"/>.
    /// </summary>
    public static Stream Open(Stream compressed, LayerCompression compression) => compression switch
    {
        LayerCompression.None => compressed,
        LayerCompression.Gzip => new GzipDecompressionStream(compressed),
        LayerCompression.Zstd => new DecompressionStream(compressed, bufferSize: 1 << 20, checkEndOfStream: true, leaveOpen: false),
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, "unknown layer compression"),
    };
}
