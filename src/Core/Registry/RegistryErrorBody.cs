using System.Text;
using System.Text.Json;

namespace PullCluster.Core.Registry;

/// <summary>What an error response's body says: the distribution API's error list, or a TLS server's refusal of plain HTTP.</summary>
internal static class RegistryErrorBody
{
    /// <summary>Go's net/http ("Client sent an HTTP request to an HTTPS server.") and nginx ("The plain HTTP request was sent to HTTPS port").</summary>
    private static readonly string[] PlainHttpRefusals = ["HTTP request to an HTTPS server", "plain HTTP request was sent to HTTPS port"];

    /// <summary>{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]} as "MANIFEST_UNKNOWN manifest unknown".</summary>
    public static string? RegistryError(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object ||
                !doc.RootElement.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array) return null;
            var parts = errors.EnumerateArray()
                .Where(e => e.ValueKind == JsonValueKind.Object)
                .Select(e => (Code: Text(e, "code"), Message: Text(e, "message")))
                .Where(e => e.Code is not null || e.Message is not null)
                .Select(e => e.Code is null ? e.Message! : e.Message is null ? e.Code : $"{e.Code} {e.Message}")
                .ToList();
            return parts.Count == 0 ? null : string.Join("; ", parts);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static bool RefusesPlainHttp(int status, ReadOnlyMemory<byte> body)
    {
        if (status != 400) return false;
        var text = Encoding.UTF8.GetString(body.Span);
        return PlainHttpRefusals.Any(r => text.Contains(r, StringComparison.OrdinalIgnoreCase));
    }

    private static string? Text(JsonElement error, string property) =>
        error.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
