using System.Text.Json.Nodes;

namespace PullCluster.Core.Store;

/// <summary>Writes an image as an OCI image layout with its original blobs, so its digests survive export.</summary>
public static class ImageLayoutWriter
{
    public static void Write(ImageRecord image, ContentStore content, string dir)
    {
        var blobs = Path.Combine(dir, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        var digests = new[] { image.ManifestDigest, image.ConfigDigest }.Concat(image.Layers.Select(l => l.Digest));
        foreach (var d in digests.Distinct())
        {
            var digest = Formats.Digest.Parse(d);
            var target = Path.Combine(blobs, digest.Hex);
            if (!File.Exists(target)) File.Copy(content.PathOf(digest), target);
        }
        File.WriteAllText(Path.Combine(dir, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        var tag = Formats.ImageReference.Parse(image.Reference).Tag ?? "latest";
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = Formats.MediaTypes.OciIndex,
            ["manifests"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = image.ManifestMediaType,
                ["digest"] = image.ManifestDigest,
                ["size"] = image.ManifestSize,
                ["annotations"] = new JsonObject
                {
                    ["org.opencontainers.image.ref.name"] = tag,
                    ["io.containerd.image.name"] = image.Reference,
                },
            }),
        };
        File.WriteAllText(Path.Combine(dir, "index.json"), index.ToJsonString());
    }
}
