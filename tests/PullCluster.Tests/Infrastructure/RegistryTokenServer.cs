using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// A Docker-style token server for a registry configured with "auth: token": answers GET /token?service=…&amp;scope=…
/// with an RS256 JWT whose x5c header carries a self-signed certificate that the registry trusts through its
/// rootcertbundle. Known users get the actions they ask for; anonymous callers get a token granting nothing.
/// </summary>
public sealed class RegistryTokenServer : IAsyncDisposable
{
    public const string Issuer = "pullcluster-specs-issuer";
    public const string Service = "pullcluster-specs-registry";

    private readonly RSA _key = RSA.Create(2048);
    private readonly X509Certificate2 _certificate;
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RegistryTokenServer()
    {
        var request = new CertificateRequest("CN=pullcluster-specs-token-signer", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        Port = FreePort.Next();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }
    public string Realm => $"http://127.0.0.1:{Port}/token";
    public Dictionary<string, string> Users { get; } = new();
    public int ExpiresInSeconds { get; set; } = 300;

    /// <summary>OAuth2 servers name the field access_token rather than token.</summary>
    public bool AnswerAsAccessToken { get; set; }

    public ConcurrentQueue<string> Scopes { get; } = new();
    public int Requests => _requests;
    private int _requests;

    /// <summary>Token auth for a registry trusting this server; its pushes and deletes use <paramref name="pushToken"/>.</summary>
    public RegistryTokenAuth RegistryAuth(string pushToken) =>
        new(Realm, Service, Issuer, _certificate.ExportCertificatePem(), new AuthenticationHeaderValue("Bearer", pushToken));

    public string IssueToken(string subject, IEnumerable<(string Name, string[] Actions)> repositories)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new Dictionary<string, object>
        {
            ["typ"] = "JWT",
            ["alg"] = "RS256",
            ["x5c"] = new[] { Convert.ToBase64String(_certificate.RawData) },
        };
        var claims = new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["sub"] = subject,
            ["aud"] = Service,
            ["exp"] = now + ExpiresInSeconds,
            ["nbf"] = now - 10,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = repositories.Select(r => new Dictionary<string, object> { ["type"] = "repository", ["name"] = r.Name, ["actions"] = r.Actions }).ToArray(),
        };
        var signingInput = Base64Url(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url(signature);
    }

    private static string Base64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => Handle(context));
        }
    }

    private void Handle(HttpListenerContext context)
    {
        Interlocked.Increment(ref _requests);
        var response = context.Response;
        try
        {
            var scopes = context.Request.QueryString.GetValues("scope") ?? [];
            foreach (var scope in scopes) Scopes.Enqueue(scope);
            if (context.Request.QueryString["service"] != Service)
            {
                Answer(response, 400, new { details = "unknown service" });
                return;
            }
            string? user = null;
            if (context.Request.Headers["Authorization"] is { } authorization)
            {
                var decoded = authorization.StartsWith("Basic ", StringComparison.Ordinal)
                    ? Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..]))
                    : "";
                var colon = decoded.IndexOf(':');
                if (colon < 0 || !Users.TryGetValue(decoded[..colon], out var password) || password != decoded[(colon + 1)..])
                {
                    Answer(response, 401, new { details = "incorrect username or password" });
                    return;
                }
                user = decoded[..colon];
            }
            var granted = user is null
                ? []
                : scopes.Select(s => s.Split(':')).Where(p => p.Length == 3 && p[0] == "repository")
                    .Select(p => (p[1], p[2].Split(','))).ToList();
            var token = IssueToken(user ?? "", granted);
            Answer(response, 200, AnswerAsAccessToken
                ? new Dictionary<string, object> { ["access_token"] = token, ["expires_in"] = ExpiresInSeconds }
                : new Dictionary<string, object> { ["token"] = token, ["expires_in"] = ExpiresInSeconds });
        }
        catch (HttpListenerException)
        {
        }
    }

    private static void Answer(HttpListenerResponse response, int status, object body)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        response.OutputStream.Write(bytes);
        response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (ObjectDisposedException)
        {
        }
        _certificate.Dispose();
        _key.Dispose();
    }
}
