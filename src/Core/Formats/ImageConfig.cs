using System.Text.Json;

namespace PullCluster.Core.Formats;

/// <summary>The parts of an image config blob a pull needs: what it runs on and the digests of its uncompressed layers.</summary>
public sealed record ImageConfig(Platform Platform, IReadOnlyList<Digest> DiffIds)
{
    public static ImageConfig Parse(ReadOnlySpan<byte> json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new FormatException($"image config is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException("image config is not a JSON object");
            var platform = new Platform(RequiredString(root, "os"), RequiredString(root, "architecture"),
                root.TryGetProperty("variant", out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } variant ? variant : null);

            if (!root.TryGetProperty("rootfs", out var rootfs) || rootfs.ValueKind != JsonValueKind.Object)
                throw new FormatException("image config has no rootfs");
            if (rootfs.TryGetProperty("type", out var type) && (type.ValueKind != JsonValueKind.String || type.GetString() != "layers"))
                throw new FormatException($"image config rootfs.type is '{type}', expected 'layers'");
            if (!rootfs.TryGetProperty("diff_ids", out var ids) || ids.ValueKind != JsonValueKind.Array)
                throw new FormatException("image config has no rootfs.diff_ids");

            var diffIds = new List<Digest>(ids.GetArrayLength());
            var i = 0;
            foreach (var id in ids.EnumerateArray())
            {
                var text = id.ValueKind == JsonValueKind.String ? id.GetString() : id.ToString();
                if (!Digest.TryParse(text, out var d))
                    throw new FormatException($"image config rootfs.diff_ids[{i}]: invalid digest '{text}'");
                diffIds.Add(d);
                i++;
            }
            return new ImageConfig(platform, diffIds);
        }
    }

    private static string RequiredString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s
            ? s
            : throw new FormatException($"image config has no '{name}'");
}
