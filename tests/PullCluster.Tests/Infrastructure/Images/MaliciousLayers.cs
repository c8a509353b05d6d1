using System.Formats.Tar;
using System.Security.Cryptography;
using PullCluster.Core.Formats;

namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// Layers a puller must refuse or contain. Path traversal, absolute paths and link escapes are ordinary
/// <see cref="LayerBuilder"/> entries (it writes names verbatim); this class covers what needs special construction.
/// </summary>
public static class MaliciousLayers
{
    /// <summary>
    /// One file of <paramref name="uncompressedBytes"/> zeros, compressed while streaming so gigabytes cost only a few
    /// kilobytes of blob (and a second or so per GB to build). The diff_id is correct.
    /// </summary>
    public static TestLayer ZeroBomb(long uncompressedBytes, LayerCompression compression = LayerCompression.Zstd, string path = "bomb")
    {
        var output = new MemoryStream();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long tarBytes;
        using (var compressor = LayerCompressor.OpenCompressor(output, compression, leaveOpen: true))
        {
            var hashing = new HashingWriteStream(compressor, hash);
            using (var writer = new TarWriter(hashing, TarEntryFormat.Pax, leaveOpen: true))
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, path)
                {
                    Mode = (UnixFileMode)LayerBuilder.Octal("644"),
                    ModificationTime = LayerBuilder.DefaultModificationTime,
                    DataStream = new ZeroStream(uncompressedBytes),
                });
            }
            tarBytes = hashing.Written;
        }
        return TestLayer.Streamed(output.ToArray(), compression, Digest.FromHash("sha256", hash.GetHashAndReset()), tarBytes);
    }

    /// <summary>The first <paramref name="keepBytes"/> of <paramref name="layer"/>'s blob, claiming the original diff_id.</summary>
    public static TestLayer Truncated(TestLayer layer, int keepBytes) =>
        TestLayer.FromBlob(layer.Blob[..keepBytes], layer.Compression, layer.DiffId);

    private sealed class HashingWriteStream(Stream inner, IncrementalHash hash) : Stream
    {
        public long Written { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            Written += buffer.Length;
            inner.Write(buffer);
        }
    }

    private sealed class ZeroStream(long length) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => _position = value; }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _position);
            if (n <= 0) return 0;
            buffer[..n].Clear();
            _position += n;
            return n;
        }

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
