using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace PullCluster.Core.Registry;

/// <summary>
/// Bearer tokens from a registry's token server, cached per (realm, service, scope, user) until shortly before they
/// expire. Concurrent requests for the same scope share one token request.
/// </summary>
internal sealed class BearerTokens(HttpClient http, TimeSpan timeout)
{
    private const int DefaultLifetimeSeconds = 60;
    private readonly ConcurrentDictionary<TokenKey, Lazy<Task<Token>>> _cache = new();

    public int Requests => _requests;
    private int _requests;

    public async Task<string> GetAsync(AuthChallenge challenge, string scope, RegistryCredential? credential, CancellationToken ct)
    {
        var key = new TokenKey(challenge.Realm!, challenge.Service ?? "", scope, credential?.Username);
        while (true)
        {
            var entry = _cache.GetOrAdd(key, k => new Lazy<Task<Token>>(() => FetchAsync(k, credential)));
            Token token;
            try
            {
                token = await entry.Value.WaitAsync(ct);
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                _cache.TryRemove(KeyValuePair.Create(key, entry));
                throw;
            }
            if (token.RefreshAt > DateTimeOffset.UtcNow) return token.Value;
            _cache.TryRemove(KeyValuePair.Create(key, entry));
        }
    }

    /// <summary>Forgets <paramref name="rejected"/> so the next request fetches a fresh token; a newer one stays.</summary>
    public void Invalidate(AuthChallenge challenge, string scope, RegistryCredential? credential, string rejected)
    {
        var key = new TokenKey(challenge.Realm!, challenge.Service ?? "", scope, credential?.Username);
        if (_cache.TryGetValue(key, out var entry) && entry.Value.IsCompletedSuccessfully && entry.Value.Result.Value == rejected)
            _cache.TryRemove(KeyValuePair.Create(key, entry));
    }

    private async Task<Token> FetchAsync(TokenKey key, RegistryCredential? credential)
    {
        Interlocked.Increment(ref _requests);
        var query = new StringBuilder();
        if (key.Service.Length > 0) query.Append("service=").Append(Uri.EscapeDataString(key.Service)).Append('&');
        query.Append("scope=").Append(Uri.EscapeDataString(key.Scope));
        var uri = new Uri(key.Realm + (key.Realm.Contains('?') ? "&" : "?") + query);

        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (credential is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}")));
        using var cts = new CancellationTokenSource(timeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cts.Token);
        }
        catch (OperationCanceledException e)
        {
            throw new TokenFetchFailure($"token server {key.Realm} did not answer within {timeout.TotalSeconds:0.#}s", null, true, e);
        }
        catch (HttpRequestException e)
        {
            throw new TokenFetchFailure($"token server {key.Realm}: {e.Message}", null, e.HttpRequestError != HttpRequestError.SecureConnectionError, e);
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                var why = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
                    ? credential is null ? "anonymous access refused" : $"credentials {credential} rejected"
                    : "token request failed";
                throw new TokenFetchFailure($"token server {key.Realm}: HTTP {status} {response.ReasonPhrase}: {why}", status,
                    status is >= 500 or 429 or 408);
            }
            var body = await response.Content.ReadAsByteArrayAsync(cts.Token);
            return ParseToken(body, key.Realm);
        }
    }

    /// <summary>Docker's token servers answer "token", OAuth2 ones "access_token"; both may carry expires_in seconds.</summary>
    internal static Token ParseToken(byte[] body, string realm)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            string? value = null;
            foreach (var name in new[] { "token", "access_token" })
                if (value is null && root.TryGetProperty(name, out var t) && t.ValueKind == JsonValueKind.String && t.GetString() is { Length: > 0 } s)
                    value = s;
            if (value is null) throw new TokenFetchFailure($"token server {realm} answered without a token", null, false);
            var lifetime = root.TryGetProperty("expires_in", out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var seconds) && seconds > 0
                ? seconds
                : DefaultLifetimeSeconds;
            // Refresh a little early so a token does not expire between being handed out and reaching the registry.
            return new Token(value, DateTimeOffset.UtcNow.AddSeconds(lifetime * 0.9));
        }
        catch (JsonException e)
        {
            throw new TokenFetchFailure($"token server {realm} answered with invalid JSON: {e.Message}", null, false, e);
        }
    }

    internal sealed record Token(string Value, DateTimeOffset RefreshAt);

    private readonly record struct TokenKey(string Realm, string Service, string Scope, string? Username);
}

internal sealed class TokenFetchFailure(string message, int? statusCode, bool transient, Exception? inner = null)
    : Exception(message, inner)
{
    public int? StatusCode { get; } = statusCode;
    public bool Transient { get; } = transient;
}
