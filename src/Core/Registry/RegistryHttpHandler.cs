using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace PullCluster.Core.Registry;

/// <summary>
/// Sends each HTTPS request through a connection pool of its own per host:port, so that pool's certificate check and
/// client certificates are those configured for that registry (TLS itself only sees the host name). Plain HTTP
/// shares one pool.
/// </summary>
internal sealed partial class RegistryHttpHandler : HttpMessageHandler
{
    private readonly RegistryOptions _options;
    private readonly HttpMessageInvoker _plain;
    private readonly ConcurrentDictionary<string, TlsPool> _tls = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _creating = new();

    public RegistryHttpHandler(RegistryOptions options)
    {
        _options = options;
        _plain = new HttpMessageInvoker(CreatePool(null));
    }

    /// <summary>
    /// A failed TLS connection is reported as "TLS connection to host:port failed: why", the why being the refused
    /// certificate's fault or the unusable TLS setting, so callers need not know about pools.
    /// </summary>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("request without a URI");
        if (uri.Scheme != Uri.UriSchemeHttps) return await _plain.SendAsync(request, cancellationToken);
        TlsPool pool;
        try
        {
            pool = Pool(uri.Authority);
        }
        catch (TlsSetupException e)
        {
            throw new HttpRequestException(HttpRequestError.SecureConnectionError, $"TLS connection to {uri.Authority} failed: {e.Message}", e);
        }
        try
        {
            return await pool.Invoker.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e) when (TlsFailure(pool, uri.Authority, e) is { } cause)
        {
            throw new HttpRequestException(HttpRequestError.SecureConnectionError, $"TLS connection to {uri.Authority} failed: {cause}", e);
        }
    }

    private static string? TlsFailure(TlsPool pool, string authority, HttpRequestException e)
    {
        // TLS 1.3 servers judge the client's certificate after the handshake, so their refusal can arrive as a failed read.
        if (ClientCertificateAlert().Match(Innermost(e).Message) is { Success: true } alert)
            return pool.ClientCertificates is null
                ? $"the registry wants a client certificate ({alert.Value}); put name.cert and name.key in its certs.d directory"
                : $"the registry refused the client certificate {pool.ClientCertificates} ({alert.Value})";
        if (e.HttpRequestError != HttpRequestError.SecureConnectionError) return null;
        return pool.Check.TakeRejection()
               ?? $"{Innermost(e).Message} (does {authority} speak HTTPS? If it serves plain HTTP, set insecure = on for it)";
    }

    /// <summary>OpenSSL's names for the alerts a server sends about the client's certificate (or its absence).</summary>
    [GeneratedRegex(@"alert (bad certificate|certificate required|unknown ca|certificate unknown|certificate expired|certificate revoked|unsupported certificate)")]
    private static partial Regex ClientCertificateAlert();

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    private TlsPool Pool(string authority)
    {
        if (_tls.TryGetValue(authority, out var pool)) return pool;
        lock (_creating)
        {
            if (_tls.TryGetValue(authority, out pool)) return pool;
            var host = RegistryEndpoint.FindHostOptions(_options, authority);
            var check = new ServerCertificateCheck(authority, host, _options);
            var (certificates, files) = ClientCertificates(authority);
            var ssl = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => check.Validate(certificate, chain, errors),
                ClientCertificates = certificates,
            };
            pool = new TlsPool(new HttpMessageInvoker(CreatePool(ssl)), check, files);
            _tls[authority] = pool;
            return pool;
        }
    }

    /// <summary>The certs.d client pairs, read once per pool: TLS offers them whenever the server asks.</summary>
    private (X509CertificateCollection? Certificates, string? Files) ClientCertificates(string authority)
    {
        IReadOnlyList<ClientCertificateFiles> pairs;
        try
        {
            pairs = CertificateDirectory.Find(_options, authority)?.ClientPairs() ?? [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TlsSetupException($"cannot read the certificate directory for {authority}: {e.Message}", e);
        }
        if (pairs.Count == 0) return (null, null);
        var certificates = new X509CertificateCollection();
        foreach (var pair in pairs)
        {
            try
            {
                certificates.Add(X509Certificate2.CreateFromPemFile(pair.Certificate, pair.Key));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                throw new TlsSetupException($"client certificate {pair.Certificate} with key {pair.Key} for {authority} is unusable: {e.Message}", e);
            }
        }
        return (certificates, string.Join(", ", pairs.Select(p => p.Certificate)));
    }

    private SocketsHttpHandler CreatePool(SslClientAuthenticationOptions? ssl) => new()
    {
        // Redirects are followed by the client so Authorization never travels to another host (blob storage).
        AllowAutoRedirect = false,
        // Blobs must arrive byte-identical to what their digest covers.
        AutomaticDecompression = DecompressionMethods.None,
        MaxConnectionsPerServer = _options.MaxConnectionsPerHost,
        ConnectTimeout = _options.IdleTimeout,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
        SslOptions = ssl ?? new SslClientAuthenticationOptions(),
    };

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _plain.Dispose();
            foreach (var pool in _tls.Values) pool.Invoker.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary><paramref name="ClientCertificates"/> names the certs.d files offered, if any.</summary>
    private sealed record TlsPool(HttpMessageInvoker Invoker, ServerCertificateCheck Check, string? ClientCertificates);
}
