using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PullCluster.Core.Registry;

/// <summary>
/// Decides whether one HTTPS registry's certificate is trusted: when the system's roots accept it, or when it chains
/// to a CA configured for that registry (ca-file, certs.d) with no other fault. A certificate that does not name the
/// host is refused either way; skip-tls-verify accepts anything. Why the last certificate was refused is kept for
/// the error message, which the TLS stack itself would reduce to "rejected by the validation callback".
/// </summary>
internal sealed class ServerCertificateCheck(string authority, RegistryHostOptions? host, RegistryOptions options)
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private string? _rejection;

    /// <summary>Why the latest certificate was refused, once; null when none was (the handshake failed before).</summary>
    public string? TakeRejection() => Interlocked.Exchange(ref _rejection, null);

    public bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None || host?.SkipTlsVerify == true) return true;
        var reason = Refusal(certificate, chain, errors);
        if (reason is null) return true;
        _rejection = reason;
        return false;
    }

    private string? Refusal(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return "the registry sent no certificate";
        using var server = new X509Certificate2(certificate);
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            return $"the certificate ({Describe(server)}) is not valid for {RegistryEndpoint.HostOf(authority)}{Names(server)}; " +
                   "use the name it was issued for, or set skip-tls-verify";

        var (cas, sources) = ExtraCas();
        if (sources.Count == 0)
            return $"the certificate is not trusted ({Describe(server)}: {Status(chain)}); " +
                   "add its CA with ca-file or certs.d, or set skip-tls-verify";
        var configured = $"neither the system's roots nor the CA{(sources.Count == 1 ? "" : "s")} in {string.Join(", ", sources)} accept it";
        if (cas.Count == 0)
            return $"the certificate is not trusted ({Describe(server)}: {Status(chain)}): {configured}";
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(cas);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.ApplicationPolicy.Add(new Oid(ServerAuthentication));
        // Intermediates the server sent along are found in the chain the system built.
        if (chain is not null)
            foreach (var element in chain.ChainElements)
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        if (custom.Build(server)) return null;
        return $"the certificate is not trusted ({Describe(server)}: {Status(custom)}): {configured}";
    }

    /// <summary>
    /// The CAs configured for this registry and what each source gave, read on every refusal by the system's roots
    /// so CAs added to certs.d apply without a restart.
    /// </summary>
    private (X509Certificate2Collection Cas, List<string> Sources) ExtraCas()
    {
        var cas = new X509Certificate2Collection();
        var sources = new List<string>();
        var files = new List<string>();
        if (host?.CaFile is { } caFile) files.Add(caFile);
        try
        {
            files.AddRange(CertificateDirectory.Find(options, authority)?.CaFiles() ?? []);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            sources.Add($"the certs.d directory for {authority} (unreadable: {e.Message})");
        }
        foreach (var file in files)
        {
            var before = cas.Count;
            try
            {
                cas.ImportFromPemFile(file);
                sources.Add(cas.Count > before ? file : $"{file} (no PEM certificate in it)");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                sources.Add($"{file} (unreadable: {e.Message})");
            }
        }
        return (cas, sources);
    }

    private static string Describe(X509Certificate2 certificate) =>
        certificate.Subject == certificate.Issuer
            ? $"{certificate.Subject}, self-signed"
            : $"{certificate.Subject}, issued by {certificate.Issuer}";

    private static string Names(X509Certificate2 certificate)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (san is null) return "";
        var names = san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(a => a.ToString())).ToList();
        return names.Count == 0 ? "" : $" (it names {string.Join(", ", names)})";
    }

    private static string Status(X509Chain? chain)
    {
        var statuses = chain?.ChainStatus
            .Where(s => s.Status != X509ChainStatusFlags.NoError)
            .Select(s => string.IsNullOrWhiteSpace(s.StatusInformation) ? s.Status.ToString() : s.StatusInformation.Trim())
            .Distinct()
            .ToList();
        return statuses is { Count: > 0 } ? string.Join("; ", statuses) : "chain not verifiable";
    }
}
