using System.IO.Compression;
using PullCluster.Core.Formats;
using ZstdSharp;

namespace PullCluster.Tests.Infrastructure;

/// <summary>Deterministic layer compression: the same tar always gives the same blob, so shared layers share digests.</summary>
public static class LayerCompressor
{
    public const int ZstdLevel = 3;

    public static byte[] Compress(ReadOnlySpan<byte> tar, LayerCompression compression)
    {
        if (compression == LayerCompression.None) return tar.ToArray();
        var output = new MemoryStream(tar.Length / 2 + 1024);
        using (var stream = OpenCompressor(output, compression, leaveOpen: true)) stream.Write(tar);
        return output.ToArray();
    }

    /// <summary>A write stream that compresses into <paramref name="output"/>; dispose it to flush the trailer.</summary>
    public static Stream OpenCompressor(Stream output, LayerCompression compression, bool leaveOpen = false) => compression switch
    {
        LayerCompression.None => leaveOpen ? new NonClosingStream(output) : output,
        LayerCompression.Gzip => new GZipStream(output, CompressionLevel.Fastest, leaveOpen),
        LayerCompression.Zstd => new CompressionStream(output, ZstdLevel, leaveOpen: leaveOpen),
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, "unknown layer compression"),
    };

    public static Stream OpenDecompressor(Stream input, LayerCompression compression) => compression switch
    {
        LayerCompression.None => input,
        LayerCompression.Gzip => new GZipStream(input, CompressionMode.Decompress),
        LayerCompression.Zstd => new DecompressionStream(input),
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, "unknown layer compression"),
    };

    public static byte[] Decompress(byte[] blob, LayerCompression compression)
    {
        using var input = OpenDecompressor(new MemoryStream(blob), compression);
        var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
    }
}
