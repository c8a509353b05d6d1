using System.Formats.Tar;
using System.IO.Compression;
using PullCluster.Core.Formats;
using PullCluster.Core.Layers;
using Xunit;

namespace PullCluster.Tests.Layers;

public sealed class CorruptLayerSpecs : IDisposable
{
    private readonly ScratchDir _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static byte[] SomeLayer() => new LayerTar()
        .Dir("data/")
        .File("data/random.bin", RandomBytes(300_000))
        .File("data/small", "tail")
        .ToArray();

    private static byte[] RandomBytes(int n)
    {
        var b = new byte[n];
        new Random(42).NextBytes(b);
        return b;
    }

    private LayerFormatException Refused(byte[] blob, LayerCompression compression, LayerApplyOptions? options = null)
    {
        using var stream = new MemoryStream(blob);
        return Assert.Throws<LayerFormatException>(() =>
            LayerUnpacker.UnpackDiff(stream, compression, _scratch.Sub("diff"), options ?? Unpack.Aufs, CancellationToken.None));
    }

    /// <summary>A tar with one file of <paramref name="size"/> zeros, compressed as it is written (never held whole).</summary>
    private static byte[] ZeroBomb(long size, LayerCompression compression)
    {
        var output = new MemoryStream();
        using (Stream compressor = compression == LayerCompression.Gzip
                   ? new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)
                   : new ZstdSharp.CompressionStream(output, 3, leaveOpen: true))
        using (var writer = new TarWriter(compressor, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "zeros") { DataStream = new ZeroStream(size) });
        }
        return output.ToArray();
    }

    [Theory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    public void Refuses_a_bomb_past_the_byte_bound(LayerCompression compression)
    {
        var bomb = ZeroBomb(200L << 20, compression);
        Assert.True(bomb.Length < 1 << 20);

        var ex = Refused(bomb, compression, Unpack.Aufs with { MaxUncompressedBytes = 50L << 20 });

        Assert.Contains("decompression bomb", ex.Message);
        Assert.Contains("'zeros'", ex.Message);
    }

    [Fact]
    public void Refuses_a_bomb_past_the_expansion_ratio()
    {
        var bomb = ZeroBomb(200L << 20, LayerCompression.Gzip);

        var ex = Refused(bomb, LayerCompression.Gzip, Unpack.Aufs with { MaxExpansionRatio = 100 });

        Assert.Contains("decompression bomb", ex.Message);
        Assert.Contains("ratio 100", ex.Message);
    }

    [Fact]
    public void Accepts_a_highly_compressible_layer_within_the_bounds()
    {
        // gzip tops out near 1030:1 on zeros, just past the default ratio bound.
        var bomb = ZeroBomb(80L << 20, LayerCompression.Gzip);
        using var stream = new MemoryStream(bomb);

        var result = LayerUnpacker.UnpackDiff(stream, LayerCompression.Gzip, _scratch.Sub("diff"),
            Unpack.Aufs with { MaxExpansionRatio = 2000, MaxUncompressedBytes = 100L << 20 }, CancellationToken.None);

        Assert.Equal(80L << 20, new FileInfo(Path.Combine(_scratch.Path, "diff/zeros")).Length);
        Assert.True(result.UncompressedBytes > 80L << 20);
    }

    [Theory]
    [InlineData(LayerCompression.Gzip, 4)]
    [InlineData(LayerCompression.Gzip, 8)]
    [InlineData(LayerCompression.Gzip, 1000)]
    [InlineData(LayerCompression.Gzip, 150_000)]
    [InlineData(LayerCompression.Zstd, 4)]
    [InlineData(LayerCompression.Zstd, 150_000)]
    public void Refuses_a_truncated_stream(LayerCompression compression, int cut)
    {
        var blob = Blob.Compress(SomeLayer(), compression);

        var ex = Refused(blob[..^cut], compression);

        Assert.Contains("truncated", ex.Message);
    }

    [Fact]
    public void Refuses_a_truncated_uncompressed_tar()
    {
        var tar = SomeLayer();

        var ex = Refused(tar[..200_000], LayerCompression.None);

        Assert.Contains("truncated", ex.Message);
        Assert.Contains("data/random.bin", ex.Message);
    }

    [Fact]
    public void Refuses_corrupt_gzip_data()
    {
        var blob = Blob.Compress(SomeLayer(), LayerCompression.Gzip);
        blob[blob.Length / 2] ^= 0xff;
        blob[blob.Length / 2 + 1] ^= 0xff;

        var ex = Refused(blob, LayerCompression.Gzip);

        Assert.Contains("corrupt", ex.Message);
    }

    [Fact]
    public void Refuses_a_gzip_checksum_mismatch()
    {
        var blob = Blob.Compress(SomeLayer(), LayerCompression.Gzip);
        blob[^6] ^= 0x01;

        var ex = Refused(blob, LayerCompression.Gzip);

        Assert.Contains("corrupt", ex.Message);
    }

    [Fact]
    public void Refuses_garbage_after_the_last_gzip_member()
    {
        var blob = Blob.Compress(SomeLayer(), LayerCompression.Gzip).Concat("trailing junk"u8.ToArray()).ToArray();

        Assert.Contains("corrupt", Refused(blob, LayerCompression.Gzip).Message);
    }

    [Fact]
    public void Reads_concatenated_gzip_members_as_one_stream()
    {
        var tar = SomeLayer();
        var blob = Blob.Compress(tar[..10240], LayerCompression.Gzip).Concat(Blob.Compress(tar[10240..], LayerCompression.Gzip)).ToArray();
        using var stream = new MemoryStream(blob);

        var result = LayerUnpacker.UnpackDiff(stream, LayerCompression.Gzip, _scratch.Sub("diff"), Unpack.Aufs, CancellationToken.None);

        Assert.Equal(Digest.Sha256(tar), result.DiffId);
        Assert.Equal(3, result.Entries);
    }

    [Fact]
    public void Stops_the_decompression_thread_when_an_entry_is_refused_early()
    {
        // The refusal comes while the decompressor is still megabytes ahead and blocked on a full pipe.
        var tar = new LayerTar().File("../escape", "x").File("big", RandomBytes(24 << 20)).ToArray();
        var blob = Blob.Compress(tar, LayerCompression.Gzip);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();

        var ex = Refused(blob, LayerCompression.Gzip);

        Assert.Contains("'../escape'", ex.Message);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public void Refuses_what_is_not_a_tar()
    {
        var ex = Refused(RandomBytes(4096), LayerCompression.None);

        Assert.Contains("checksum", ex.Message);
    }

    [Fact]
    public void Refuses_gnu_sparse_files()
    {
        var tar = new RawTar().Entry((byte)'S', "sparse"u8.ToArray()).ToArray();

        var ex = Refused(tar, LayerCompression.None);

        Assert.Contains("'sparse'", ex.Message);
        Assert.Contains("sparse", ex.Message);
    }

    [Fact]
    public void Refuses_unknown_entry_types()
    {
        var tar = new RawTar().Entry((byte)'V', "volume-label"u8.ToArray()).ToArray();

        var ex = Refused(tar, LayerCompression.None);

        Assert.Contains("'volume-label'", ex.Message);
        Assert.Contains("type 'V'", ex.Message);
    }

    [Fact]
    public void Refuses_a_bad_header_checksum()
    {
        var tar = SomeLayer();
        tar[1024 + 10] ^= 0x20;

        Assert.Contains("checksum", Refused(tar, LayerCompression.None).Message);
    }

    private sealed class ZeroStream(long length) : Stream
    {
        private long _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            Array.Clear(buffer, offset, n);
            _position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => _position = value; }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
