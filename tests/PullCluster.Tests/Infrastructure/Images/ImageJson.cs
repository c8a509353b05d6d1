using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using PullCluster.Core.Formats;

namespace PullCluster.Tests.Infrastructure;

internal static class ImageJson
{
    /// <summary>Compact, and '+' in media types stays literal rather than <c>\u002B</c>.</summary>
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static byte[] Serialize(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, Options);

    public static JsonObject Descriptor(string mediaType, Digest digest, long size) => new()
    {
        ["mediaType"] = mediaType,
        ["digest"] = digest.ToString(),
        ["size"] = size,
    };

    public static JsonObject Platform(Platform platform)
    {
        var json = new JsonObject { ["architecture"] = platform.Architecture, ["os"] = platform.Os };
        if (platform.Variant is not null) json["variant"] = platform.Variant;
        return json;
    }
}
