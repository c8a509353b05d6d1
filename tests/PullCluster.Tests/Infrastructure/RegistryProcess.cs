using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using PullCluster.Core.Formats;

namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// The real CNCF distribution registry (<c>docker-registry serve</c>) on 127.0.0.1:&lt;free port&gt; with filesystem
/// storage in a temp directory. Its access log (stdout) is captured in <see cref="AccessLog"/>; its application log
/// goes to <see cref="AppLogPath"/>. With <see cref="RegistryTls"/> it serves HTTPS only; its own clients trust the
/// test CA.
/// </summary>
/// <remarks>
/// The registry runs under a small shell watchdog that reads this process's pipe on its stdin and kills the registry
/// when the pipe closes, so a test host that crashes or is killed leaves no registry behind.
/// </remarks>
public sealed class RegistryProcess : IAsyncDisposable, IDisposable
{
    public const string Binary = "/usr/bin/docker-registry";

    private const string WatchdogScript = """
        "$1" serve "$2" 2>>"$3" &
        child=$!
        cat >/dev/null
        kill -9 "$child" 2>/dev/null
        wait "$child" 2>/dev/null
        """;

    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    private readonly Process _process;
    private readonly TempDir _dir;
    private readonly RegistryOptions _options;
    private readonly HttpClient _http;
    private int _disposed;

    private RegistryProcess(Process process, TempDir dir, string storageDir, int port, RegistryOptions options, RegistryTls? tls, AccessLog log)
    {
        _process = process;
        _dir = dir;
        _options = options;
        StorageDir = storageDir;
        Tls = tls;
        Port = port;
        Credentials = options.BasicAuth;
        Authorization = options.BasicAuth?.ToBasicHeader() ?? options.TokenAuth?.PushAuthorization;
        AccessLog = log;
        _http = tls is null ? Http : new HttpClient(CreateHandler()) { Timeout = Http.Timeout };
    }

    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>, as image references spell the registry.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public Uri BaseUri => new($"{(Tls is null ? "http" : "https")}://{Address}/");

    /// <summary>The certificates this registry serves HTTPS with; null for plain HTTP.</summary>
    public RegistryTls? Tls { get; }

    public RegistryCredentials? Credentials { get; }

    /// <summary>What pushes, deletes and authenticated clients send: basic credentials or the token auth's push token.</summary>
    public AuthenticationHeaderValue? Authorization { get; }

    public AccessLog AccessLog { get; }

    public string DataDir => _dir.Path;

    /// <summary>Its own, or the storage of the registry it was started over (<see cref="ServeOverTlsAsync"/>).</summary>
    public string StorageDir { get; }

    public string AppLogPath => _dir.Combine("app.log");

    public int ProcessId => _process.Id;

    public string ReadAppLog() => File.Exists(AppLogPath) ? File.ReadAllText(AppLogPath) : "";

    /// <summary><c>127.0.0.1:port/repo:tag</c>, or <c>…/repo@sha256:…</c> when <paramref name="tagOrDigest"/> is a digest.</summary>
    public string Reference(string repository, string tagOrDigest) =>
        Digest.TryParse(tagOrDigest, out _) ? $"{Address}/{repository}@{tagOrDigest}" : $"{Address}/{repository}:{tagOrDigest}";

    /// <summary>A client for this registry with <see cref="Authorization"/> attached when the registry requires it.</summary>
    public HttpClient CreateClient(bool authenticated = true)
    {
        var client = new HttpClient(CreateHandler())
        {
            BaseAddress = BaseUri,
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (authenticated) client.DefaultRequestHeaders.Authorization = Authorization;
        return client;
    }

    /// <summary>Where the filesystem driver keeps a blob's bytes.</summary>
    public string BlobDataPath(Digest digest) =>
        Path.Combine(StorageDir, "docker", "registry", "v2", "blobs", digest.Algorithm, digest.Hex[..2], digest.Hex, "data");

    /// <summary>
    /// Replaces the stored bytes of a pushed blob, so the registry serves content that does not match its digest
    /// (it does not re-verify on read). Blobs are shared by all repositories of this registry.
    /// </summary>
    public void TamperBlob(Digest digest, byte[] bytes)
    {
        var path = BlobDataPath(digest);
        if (!File.Exists(path)) throw new FileNotFoundException($"blob {digest} is not stored in registry {Address}", path);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Deletes a blob through the API, so manifests that reference it now point at a 404.</summary>
    public async Task DeleteBlobAsync(string repository, Digest digest)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(BaseUri, $"v2/{repository}/blobs/{digest}"));
        request.Headers.Authorization = Authorization;
        using var response = await _http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.Accepted)
            throw new InvalidOperationException(
                $"deleting blob {digest} from {Address}/{repository} failed: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public static Task<RegistryProcess> StartAsync(RegistryOptions? options = null) => StartAsync(options, tls: null);

    /// <summary>A registry serving HTTPS with <paramref name="tls"/> (or plain HTTP when null).</summary>
    public static Task<RegistryProcess> StartAsync(RegistryOptions? options, RegistryTls? tls) => StartAsync(options, tls, sharedStorage: null);

    /// <summary>
    /// A second registry process on this one's storage and auth, serving HTTPS: what is pushed to either is served by
    /// both. Pushing helpers that speak plain HTTP push here and tests pull from the TLS twin.
    /// </summary>
    public Task<RegistryProcess> ServeOverTlsAsync(RegistryTls tls) =>
        StartAsync(_options with { Label = _options.Label + "-tls" }, tls, StorageDir);

    private static async Task<RegistryProcess> StartAsync(RegistryOptions? options, RegistryTls? tls, string? sharedStorage)
    {
        options ??= new RegistryOptions();
        if (options is { BasicAuth: not null, TokenAuth: not null })
            throw new ArgumentException("a registry takes either basic auth or token auth, not both", nameof(options));
        const int attempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            var dir = TempDir.Create(options.Label);
            try
            {
                return await StartOnceAsync(options, tls, dir, sharedStorage ?? dir.Combine("storage"), FreePort.Next());
            }
            catch (PortTakenException) when (attempt < attempts)
            {
                dir.Dispose();
            }
            catch
            {
                dir.Dispose();
                throw;
            }
        }
    }

    private static async Task<RegistryProcess> StartOnceAsync(RegistryOptions options, RegistryTls? tls, TempDir dir, string storageDir, int port)
    {
        var auth = "";
        if (options.BasicAuth is { } creds)
        {
            var htpasswd = dir.Combine("htpasswd");
            ProcResult result;
            try
            {
                result = await Proc.RunAsync("htpasswd", "-Bbn", creds.User, creds.Password);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("htpasswd is needed for a registry with basic auth (apt-get install apache2-utils)", e);
            }
            var line = result.EnsureSuccess().Stdout;
            await File.WriteAllTextAsync(htpasswd, line.Trim() + "\n");
            auth = RegistryConfig.HtpasswdAuth(htpasswd);
        }
        if (options.TokenAuth is { } token)
        {
            var bundle = dir.Combine("token-root.pem");
            await File.WriteAllTextAsync(bundle, token.RootCertificatePem);
            auth = RegistryConfig.TokenAuth(token, bundle);
        }
        var config = dir.Combine("config.yml");
        await File.WriteAllTextAsync(config, RegistryConfig.Render(port, storageDir, auth));

        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-c", WatchdogScript, "registry-watchdog", Binary, config, dir.Combine("app.log") })
            psi.ArgumentList.Add(a);
        if (tls is not null) ConfigureTls(psi, tls, dir);

        RegistryProcess? registry = null;
        var log = new AccessLog(token => SendSentinelAsync(registry!, token));
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {Binary}");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Append(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        registry = new RegistryProcess(process, dir, storageDir, port, options, tls, log);
        try
        {
            await registry.WaitUntilAnsweringAsync(options.StartTimeout);
            return registry;
        }
        catch
        {
            registry.StopProcess();
            throw;
        }
    }

    /// <summary>
    /// Waits for this process to log that it listens on its port (so an answer cannot come from another server that
    /// took the port first) and for GET /v2/ to answer.
    /// </summary>
    private async Task WaitUntilAnsweringAsync(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            var appLog = ReadAppLog();
            if (appLog.Contains("address already in use", StringComparison.Ordinal)) throw new PortTakenException();
            if (_process.HasExited)
                throw new InvalidOperationException($"registry on {Address} exited during start-up; app log:\n{appLog}");
            if (appLog.Contains($"listening on {Address}", StringComparison.Ordinal))
            {
                try
                {
                    using var response = await _http.GetAsync(new Uri(BaseUri, "v2/"));
                    if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized) return;
                }
                catch (HttpRequestException)
                {
                }
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"registry on {Address} did not answer GET /v2/ within {timeout}; app log:\n{ReadAppLog()}");
    }

    private static async Task SendSentinelAsync(RegistryProcess registry, string token)
    {
        using var response = await registry._http.GetAsync(new Uri(registry.BaseUri, $"v2/?{AccessLog.SentinelQuery}{token}"));
    }

    /// <summary>The distribution registry reads REGISTRY_HTTP_TLS_* over its config.yml.</summary>
    private static void ConfigureTls(ProcessStartInfo psi, RegistryTls tls, TempDir dir)
    {
        var certificate = dir.Combine("server.crt");
        var key = dir.Combine("server.key");
        tls.Server.WritePem(certificate, key);
        psi.Environment["REGISTRY_HTTP_TLS_CERTIFICATE"] = certificate;
        psi.Environment["REGISTRY_HTTP_TLS_KEY"] = key;
        if (tls.ClientCa is { } clientCa)
        {
            var clientCas = dir.Combine("client-ca.crt");
            File.WriteAllText(clientCas, clientCa.CertificatePem);
            psi.Environment["REGISTRY_HTTP_TLS_CLIENTCAS"] = $"[{clientCas}]";
        }
    }

    /// <summary>Plain, or for a TLS registry trusting its test CA and presenting its client certificate.</summary>
    private SocketsHttpHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false };
        if (Tls is not { } tls) return handler;
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || certificate is not null && IssuedBy(new X509Certificate2(certificate), tls.Ca),
            ClientCertificates = tls.ClientCertificate is { } client ? [client.Certificate] : null,
        };
        return handler;
    }

    private static bool IssuedBy(X509Certificate2 certificate, TestCertificateAuthority ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca.Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private void StopProcess()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        StopProcess();
        if (_http != Http) _http.Dispose();
        _dir.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    public override string ToString() => $"registry {Address}";

    private sealed class PortTakenException : Exception;
}
