using PullCluster.Core.Formats;
using PullCluster.Core.Layers;

namespace PullCluster.Tests.Layers;

internal static class Unpack
{
    public static readonly LayerApplyOptions Overlay = new() { Whiteouts = WhiteoutStyle.Overlay, PreserveOwnership = true };
    public static readonly LayerApplyOptions Aufs = new() { Whiteouts = WhiteoutStyle.Aufs, PreserveOwnership = true };

    public static LayerUnpackResult Tar(byte[] tar, string dir, LayerApplyOptions? options = null,
        LayerCompression compression = LayerCompression.None)
    {
        using var blob = new MemoryStream(Blob.Compress(tar, compression));
        return LayerUnpacker.UnpackDiff(blob, compression, dir, options ?? Aufs, CancellationToken.None);
    }

    /// <summary>Unpacks layers bottom → top into parent/layerN, each with the ones below as its parents.</summary>
    public static List<string> Layers(IEnumerable<byte[]> tars, string parent, LayerApplyOptions options)
    {
        var dirs = new List<string>();
        foreach (var tar in tars)
        {
            var dir = Path.Combine(parent, $"layer{dirs.Count}");
            Directory.CreateDirectory(dir);
            Tar(tar, dir, options with { ParentLayers = Enumerable.Reverse(dirs).ToList() }, LayerCompression.Gzip);
            dirs.Add(dir);
        }
        return dirs;
    }
}
