using System.Text.Json.Nodes;
using PullCluster.Core.Formats;

namespace PullCluster.Tests.Infrastructure;

internal static class OciLayoutWriter
{
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    public static void Write(string layoutDir, string tag, ArtifactContent content)
    {
        Directory.CreateDirectory(layoutDir);
        File.WriteAllText(Path.Combine(layoutDir, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        foreach (var blob in content.Blobs) WriteBlob(layoutDir, blob.Digest, blob.StoredBytes ?? blob.Bytes);
        foreach (var manifest in content.ChildManifests.Append(content.Top)) WriteBlob(layoutDir, manifest.Digest, manifest.Bytes);

        var indexPath = Path.Combine(layoutDir, "index.json");
        var index = File.Exists(indexPath)
            ? JsonNode.Parse(File.ReadAllBytes(indexPath))!.AsObject()
            : new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = MediaTypes.OciIndex, ["manifests"] = new JsonArray() };
        var manifests = index["manifests"]!.AsArray();
        foreach (var stale in manifests.Where(m => m?["annotations"]?[RefNameAnnotation]?.GetValue<string>() == tag).ToList())
            manifests.Remove(stale);
        var entry = ImageJson.Descriptor(content.Top.MediaType, content.Top.Digest, content.Top.Size);
        entry["annotations"] = new JsonObject { [RefNameAnnotation] = tag };
        manifests.Add(entry);
        File.WriteAllBytes(indexPath, ImageJson.Serialize(index));
    }

    public static string BlobPath(string layoutDir, Digest digest) => Path.Combine(layoutDir, "blobs", digest.Algorithm, digest.Hex);

    private static void WriteBlob(string layoutDir, Digest digest, byte[] bytes)
    {
        var path = BlobPath(layoutDir, digest);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }
}
