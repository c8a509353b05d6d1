using System.IO.Compression;
using System.Security.Cryptography;
using PullCluster.Core.Formats;

namespace PullCluster.Tests.Layers;

internal static class Blob
{
    public static byte[] Compress(byte[] tar, LayerCompression compression)
    {
        switch (compression)
        {
            case LayerCompression.None:
                return tar;
            case LayerCompression.Gzip:
            {
                var ms = new MemoryStream();
                using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(tar);
                return ms.ToArray();
            }
            default:
            {
                using var compressor = new ZstdSharp.Compressor(3);
                return compressor.Wrap(tar).ToArray();
            }
        }
    }

    public static string Hex(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
