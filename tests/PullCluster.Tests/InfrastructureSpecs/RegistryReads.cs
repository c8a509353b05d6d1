using PullCluster.Tests.Infrastructure;

namespace PullCluster.Tests.InfrastructureSpecs;

/// <summary>Plain HTTP reads of what a push stored, as any client would make them.</summary>
internal static class RegistryReads
{
    public static async Task<(string ContentType, string? Digest, byte[] Bytes)> GetManifestAsync(
        HttpClient client, string repository, string reference, params string[] accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/manifests/{reference}");
        foreach (var type in accept) request.Headers.Accept.ParseAdd(type);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var digest = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.Single() : null;
        return (response.Content.Headers.ContentType!.MediaType!, digest, await response.Content.ReadAsByteArrayAsync());
    }

    public static Task<byte[]> GetBlobAsync(HttpClient client, string repository, object digest) =>
        client.GetByteArrayAsync($"v2/{repository}/blobs/{digest}");
}
