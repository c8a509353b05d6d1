using System.Text;
using System.Text.Json.Nodes;
using PullCluster.Core.Layers;

namespace PullCluster.Core.Store;

/// <summary>Writes an image as an OCI image layout with its original blobs, so its digests survive export.</summary>
public static class ImageLayoutWriter
{
    private const string OciLayout = """{"imageLayoutVersion":"1.0.0"}""";

    /// <summary>Writes the layout into a directory on this host, as the node's own user.</summary>
    public static void Write(ImageRecord image, ContentStore content, string dir)
    {
        var blobs = Path.Combine(dir, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        foreach (var digest in BlobsOf(image))
        {
            var target = Path.Combine(blobs, digest.Hex);
            if (!File.Exists(target)) File.Copy(content.PathOf(digest), target);
        }
        File.WriteAllText(Path.Combine(dir, "oci-layout"), OciLayout);
        File.WriteAllText(Path.Combine(dir, "index.json"), IndexJson(image));
    }

    /// <summary>
    /// Writes the same layout as a tar stream (for the CLI to extract with its caller's rights): the blobs are read
    /// from the store as they are sent, never copied. Files are 0644 and directories 0755, owned by 0:0, stamped now.
    /// Blocking by design: run it off actor threads.
    /// </summary>
    public static void WriteTar(ImageRecord image, ContentStore content, Stream output, CancellationToken ct)
    {
        var tar = new PaxTarWriter(output);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        const uint FileBits = 0x1a4, DirBits = 0x1ed;
        Small(tar, "oci-layout", Encoding.UTF8.GetBytes(OciLayout), FileBits, now);
        Small(tar, "index.json", Encoding.UTF8.GetBytes(IndexJson(image)), FileBits, now);
        tar.Directory("blobs", DirBits, 0, 0, now, 0, []);
        tar.Directory("blobs/sha256", DirBits, 0, 0, now, 0, []);
        var buffer = new byte[1 << 20];
        foreach (var digest in BlobsOf(image))
        {
            ct.ThrowIfCancellationRequested();
            using var blob = new FileStream(content.PathOf(digest), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            var size = blob.Length;
            tar.File("blobs/sha256/" + digest.Hex, FileBits, 0, 0, size, now, 0, []);
            var left = size;
            while (left > 0)
            {
                ct.ThrowIfCancellationRequested();
                var n = blob.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (n == 0) throw new IOException($"blob {digest} shrank while it was being exported");
                tar.Data(buffer.AsSpan(0, n));
                left -= n;
            }
            tar.EndFile(size);
        }
        tar.Finish();
        output.Flush();
    }

    private static void Small(PaxTarWriter tar, string name, byte[] content, uint mode, long mtime)
    {
        tar.File(name, mode, 0, 0, content.Length, mtime, 0, []);
        tar.Data(content);
        tar.EndFile(content.Length);
    }

    private static IEnumerable<Formats.Digest> BlobsOf(ImageRecord image) =>
        new[] { image.ManifestDigest, image.ConfigDigest }.Concat(image.Layers.Select(l => l.Digest)).Distinct().Select(Formats.Digest.Parse);

    private static string IndexJson(ImageRecord image)
    {
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
        return index.ToJsonString();
    }
}
