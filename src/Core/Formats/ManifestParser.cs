using System.Text.Json;

namespace PullCluster.Core.Formats;

/// <summary>Reads manifest bodies fetched from a registry into <see cref="ManifestDocument"/>s, validating every descriptor.</summary>
public static class ManifestParser
{
    public const string DockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
    public const string DockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";

    public static ManifestDocument Parse(ReadOnlySpan<byte> body, string? contentType)
    {
        using var doc = ParseJson(body);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("manifest is not a JSON object");

        var mediaType = MediaTypeOf(root, contentType);
        if (mediaType is DockerSchema1 or DockerSchema1Signed || SchemaVersion(root) == 1)
            throw new NotSupportedException(
                "Docker image manifest schema 1 is not supported (deprecated since Docker 1.10); re-push the image with a current tool to get schema 2 or OCI");

        return mediaType switch
        {
            MediaTypes.OciManifest or MediaTypes.DockerManifest => ParseManifest(root, mediaType),
            MediaTypes.OciIndex or MediaTypes.DockerManifestList => ParseIndex(root, mediaType),
            _ => throw new UnsupportedMediaTypeException(mediaType),
        };
    }

    /// <summary>
    /// The media type a manifest body declares: its own <c>mediaType</c> field, else the HTTP Content-Type; OCI lets
    /// both be generic, so a body served as plain JSON is recognised by its shape.
    /// </summary>
    public static string DetectMediaType(ReadOnlySpan<byte> body, string? contentType)
    {
        try
        {
            using var doc = ParseJson(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                ? MediaTypeOf(doc.RootElement, contentType)
                : StripParameters(contentType) ?? "";
        }
        catch (FormatException)
        {
            return StripParameters(contentType) ?? "";
        }
    }

    private static JsonDocument ParseJson(ReadOnlySpan<byte> body)
    {
        try
        {
            return JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException e)
        {
            throw new FormatException($"manifest is not valid JSON: {e.Message}", e);
        }
    }

    private static string MediaTypeOf(JsonElement root, string? contentType)
    {
        if (root.TryGetProperty("mediaType", out var mt) && mt.ValueKind == JsonValueKind.String && mt.GetString() is { Length: > 0 } declared)
            return declared;
        var header = StripParameters(contentType);
        if (header is not (null or "" or "application/json" or "application/octet-stream" or "text/plain")) return header;
        if (SchemaVersion(root) == 1) return DockerSchema1;
        if (root.TryGetProperty("manifests", out _)) return MediaTypes.OciIndex;
        if (root.TryGetProperty("config", out _) && root.TryGetProperty("layers", out _)) return MediaTypes.OciManifest;
        return header ?? "(none)";
    }

    private static string? StripParameters(string? contentType)
    {
        if (contentType is null) return null;
        var semi = contentType.IndexOf(';');
        return (semi >= 0 ? contentType[..semi] : contentType).Trim().ToLowerInvariant();
    }

    private static int? SchemaVersion(JsonElement root) =>
        root.TryGetProperty("schemaVersion", out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n : null;

    private static ImageManifest ParseManifest(JsonElement root, string mediaType)
    {
        if (!root.TryGetProperty("config", out var config) || config.ValueKind != JsonValueKind.Object)
            throw new FormatException($"{mediaType} manifest has no config descriptor");
        if (!root.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array)
            throw new FormatException($"{mediaType} manifest has no layers array");
        var parsedLayers = new List<Descriptor>(layers.GetArrayLength());
        var i = 0;
        foreach (var layer in layers.EnumerateArray())
            parsedLayers.Add(ParseDescriptor(layer, $"layers[{i++}]"));
        return new ImageManifest(mediaType, ParseDescriptor(config, "config"), parsedLayers, ParseAnnotations(root, "top level"));
    }

    private static ImageIndex ParseIndex(JsonElement root, string mediaType)
    {
        if (!root.TryGetProperty("manifests", out var manifests) || manifests.ValueKind != JsonValueKind.Array)
            throw new FormatException($"{mediaType} index has no manifests array");
        var entries = new List<Descriptor>(manifests.GetArrayLength());
        var i = 0;
        foreach (var entry in manifests.EnumerateArray())
            entries.Add(ParseDescriptor(entry, $"manifests[{i++}]"));
        return new ImageIndex(mediaType, entries);
    }

    private static Descriptor ParseDescriptor(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new FormatException($"manifest {where}: descriptor is not an object");
        var mediaType = RequiredString(e, "mediaType", where);
        var digestText = RequiredString(e, "digest", where);
        if (!Digest.TryParse(digestText, out var digest))
            throw new FormatException($"manifest {where}: invalid digest '{digestText}'");
        if (!e.TryGetProperty("size", out var sizeElement) || sizeElement.ValueKind != JsonValueKind.Number || !sizeElement.TryGetInt64(out var size))
            throw new FormatException($"manifest {where} ({digest}): missing or non-integer size");
        if (size < 0) throw new FormatException($"manifest {where} ({digest}): negative size {size}");

        List<string>? urls = null;
        if (e.TryGetProperty("urls", out var u) && u.ValueKind == JsonValueKind.Array)
            urls = u.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList();
        return new Descriptor(mediaType, digest, size, ParsePlatform(e, where), ParseAnnotations(e, where), urls);
    }

    private static Platform? ParsePlatform(JsonElement e, string where)
    {
        if (!e.TryGetProperty("platform", out var p) || p.ValueKind != JsonValueKind.Object) return null;
        var os = RequiredString(p, "os", where + ".platform");
        var arch = RequiredString(p, "architecture", where + ".platform");
        var variant = p.TryGetProperty("variant", out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;
        return new Platform(os, arch, variant);
    }

    private static Dictionary<string, string>? ParseAnnotations(JsonElement e, string where)
    {
        if (!e.TryGetProperty("annotations", out var a) || a.ValueKind == JsonValueKind.Null) return null;
        if (a.ValueKind != JsonValueKind.Object) throw new FormatException($"manifest {where}: annotations is not an object");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var prop in a.EnumerateObject())
        {
            if (prop.Value.ValueKind != JsonValueKind.String)
                throw new FormatException($"manifest {where}: annotation '{prop.Name}' is not a string");
            result[prop.Name] = prop.Value.GetString()!;
        }
        return result;
    }

    private static string RequiredString(JsonElement e, string name, string where) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s
            ? s
            : throw new FormatException($"manifest {where}: missing or non-string '{name}'");
}
