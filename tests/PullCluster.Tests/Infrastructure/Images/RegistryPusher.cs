using System.Net;
using System.Net.Http.Headers;
using PullCluster.Core.Formats;

namespace PullCluster.Tests.Infrastructure;

/// <summary>Pushes with the distribution API and a plain HttpClient: monolithic blob uploads, then manifests.</summary>
internal static class RegistryPusher
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
    {
        Timeout = TimeSpan.FromMinutes(5),
    };

    public static async Task<PushResult> PushAsync(RegistryProcess registry, string repository, string tag, ArtifactContent content)
    {
        var target = $"{registry.Address}/{repository}";
        var blobs = content.Blobs.DistinctBy(b => b.Digest).ToList();
        foreach (var blob in blobs) await PushBlobAsync(registry, repository, blob, target);
        foreach (var child in content.ChildManifests.DistinctBy(m => m.Digest))
            await PutManifestAsync(registry, repository, child, child.Digest.ToString(), target);
        await PutManifestAsync(registry, repository, content.Top, tag, target);
        foreach (var blob in blobs.Where(b => b.StoredBytes is not null)) registry.TamperBlob(blob.Digest, blob.StoredBytes!);
        return new PushResult(registry.Address, repository, tag, content.Top.Descriptor,
            blobs.Select(b => b.Descriptor).ToList(), content.ChildManifests.Select(m => m.Descriptor).ToList());
    }

    private static async Task PushBlobAsync(RegistryProcess registry, string repository, BlobUpload blob, string target)
    {
        using (var head = Request(registry, HttpMethod.Head, $"v2/{repository}/blobs/{blob.Digest}"))
        using (var exists = await Http.SendAsync(head))
            if (exists.StatusCode == HttpStatusCode.OK) return;

        Uri location;
        using (var start = Request(registry, HttpMethod.Post, $"v2/{repository}/blobs/uploads/"))
        using (var started = await Http.SendAsync(start))
        {
            await EnsureStatusAsync(started, HttpStatusCode.Accepted, $"starting upload of blob {blob.Digest} to {target}");
            location = new Uri(registry.BaseUri, started.Headers.Location
                ?? throw new InvalidOperationException($"upload of blob {blob.Digest} to {target}: 202 without Location"));
        }

        var separator = location.Query.Length > 0 ? "&" : "?";
        using var put = Request(registry, HttpMethod.Put, location.AbsoluteUri + separator + "digest=" + blob.Digest);
        // Without an explicit octet-stream type the registry would parse the body as a form and store nothing.
        put.Content = new ByteArrayContent(blob.Bytes);
        put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var done = await Http.SendAsync(put);
        await EnsureStatusAsync(done, HttpStatusCode.Created, $"uploading blob {blob.Digest} ({blob.Bytes.Length} bytes) to {target}");
    }

    private static async Task PutManifestAsync(RegistryProcess registry, string repository, TestBlob manifest, string reference, string target)
    {
        using var put = Request(registry, HttpMethod.Put, $"v2/{repository}/manifests/{reference}");
        put.Content = new ByteArrayContent(manifest.Bytes);
        put.Content.Headers.ContentType = new MediaTypeHeaderValue(manifest.MediaType);
        using var response = await Http.SendAsync(put);
        await EnsureStatusAsync(response, HttpStatusCode.Created, $"putting manifest {manifest.Digest} as {target}:{reference}");
        var stored = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
        if (stored != manifest.Digest.ToString())
            throw new InvalidOperationException($"registry stored manifest {target}:{reference} as {stored}, expected {manifest.Digest}");
    }

    private static HttpRequestMessage Request(RegistryProcess registry, HttpMethod method, string relativeOrAbsolute)
    {
        var request = new HttpRequestMessage(method, new Uri(registry.BaseUri, relativeOrAbsolute));
        request.Headers.Authorization = registry.Authorization;
        return request;
    }

    private static async Task EnsureStatusAsync(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        if (response.StatusCode == expected) return;
        var body = await response.Content.ReadAsStringAsync();
        throw new InvalidOperationException($"{what} failed: HTTP {(int)response.StatusCode} {body}");
    }
}
