using System.Net;
using PullCluster.Core.Formats;

namespace PullCluster.Core.Registry;

public sealed partial class RegistryClient
{
    /// <summary>Manifests are small; anything larger is refused before it can exhaust memory.</summary>
    public const int MaxManifestBytes = 4 * 1024 * 1024;

    /// <summary>
    /// GETs the manifest for <paramref name="reference"/> (a tag or a digest) and checks its bytes against the
    /// digest asked for, or else against the registry's Docker-Content-Digest header.
    /// </summary>
    public Task<FetchedManifest> GetManifestAsync(ImageReference image, string reference, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(image);
        Digest? expected = Digest.TryParse(reference, out var asked) ? asked : null;
        if (expected is null && !ImageReference.IsValidTag(reference ?? ""))
            throw new ArgumentException($"{image.Name}: '{reference}' is neither a tag nor a digest", nameof(reference));
        var ctx = new RequestContext(image, $"manifest {reference}", expected);
        return WithRetriesAsync(ctx, () => FetchManifestOnceAsync(ctx, reference!, expected, ct), ct);
    }

    private async Task<FetchedManifest> FetchManifestOnceAsync(RequestContext ctx, string reference, Digest? expected, CancellationToken ct)
    {
        using var response = await SendAsync(ctx, $"/v2/{ctx.Image.Repository}/manifests/{reference}",
            r => Accept(r, MediaTypes.ManifestAccept), ct);
        if (response.StatusCode != HttpStatusCode.OK) throw await FailureAsync(ctx, response, ct);
        if (response.Content.Headers.ContentLength is > MaxManifestBytes and var announced)
            throw ctx.Error($"manifest is {announced} bytes, over the {MaxManifestBytes / (1024 * 1024)} MiB limit", 200);

        var bytes = await ReadManifestBodyAsync(ctx, response, ct);
        var actual = expected is { } wanted
            ? Digest.FromHash(wanted.Algorithm, System.Security.Cryptography.CryptographicOperations.HashData(wanted.HashAlgorithm, bytes))
            : Digest.Sha256(bytes);
        if (expected is { } e && actual != e)
            throw ctx.Error($"digest mismatch: the registry served content hashing to {actual}", 200);
        if (expected is null && response.Headers.TryGetValues("Docker-Content-Digest", out var headers) &&
            Digest.TryParse(headers.FirstOrDefault(), out var announcedDigest) && announcedDigest.Algorithm == "sha256" &&
            announcedDigest != actual)
            throw ctx.Error($"digest mismatch: Docker-Content-Digest says {announcedDigest}, the body hashes to {actual}", 200);

        var mediaType = ManifestParser.DetectMediaType(bytes, response.Content.Headers.ContentType?.ToString());
        return new FetchedManifest(actual, mediaType, bytes);
    }

    private async Task<byte[]> ReadManifestBodyAsync(RequestContext ctx, HttpResponseMessage response, CancellationToken ct)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[(int)Math.Min(response.Content.Headers.ContentLength ?? 64 * 1024, MaxManifestBytes) + 1];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length > MaxManifestBytes)
                    throw ctx.Error($"manifest is over the {MaxManifestBytes / (1024 * 1024)} MiB limit", 200);
                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxManifestBytes + 1));
            }
            var n = await ReadAsync(ctx, body, buffer.AsMemory(length), idle, ct);
            if (n == 0) break;
            length += n;
        }
        if (response.Content.Headers.ContentLength is { } declared && declared != length)
            throw ctx.Error($"manifest body ended after {length} of {declared} bytes", 200, transient: true);
        return buffer.AsSpan(0, length).ToArray();
    }
}
