using System.Text;
using System.Text.Json.Nodes;
using PullCluster.Core.Formats;

namespace PullCluster.Tests.Layers;

/// <summary>Writes an OCI image layout (oci-layout, index.json, blobs/sha256) that umoci can unpack.</summary>
internal static class OciLayout
{
    public static void Write(string layoutDir, string tag, IReadOnlyList<byte[]> tars)
    {
        Directory.CreateDirectory(Path.Combine(layoutDir, "blobs/sha256"));
        File.WriteAllText(Path.Combine(layoutDir, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        var layers = new JsonArray();
        var diffIds = new JsonArray();
        foreach (var tar in tars)
        {
            diffIds.Add(Digest.Sha256(tar).ToString());
            layers.Add(Put(layoutDir, MediaTypes.OciLayerGzip, Blob.Compress(tar, LayerCompression.Gzip)));
        }
        var config = new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = new JsonObject(),
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = diffIds },
        };
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciManifest,
            ["config"] = Put(layoutDir, MediaTypes.OciConfig, Encoding.UTF8.GetBytes(config.ToJsonString())),
            ["layers"] = layers,
        };
        var manifestDescriptor = Put(layoutDir, MediaTypes.OciManifest, Encoding.UTF8.GetBytes(manifest.ToJsonString()));
        manifestDescriptor["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag };
        var index = new JsonObject { ["schemaVersion"] = 2, ["manifests"] = new JsonArray(manifestDescriptor) };
        File.WriteAllText(Path.Combine(layoutDir, "index.json"), index.ToJsonString());
    }

    private static JsonObject Put(string layoutDir, string mediaType, byte[] blob)
    {
        var digest = Digest.Sha256(blob);
        File.WriteAllBytes(Path.Combine(layoutDir, "blobs/sha256", digest.Hex), blob);
        return new JsonObject { ["mediaType"] = mediaType, ["digest"] = digest.ToString(), ["size"] = blob.Length };
    }
}
