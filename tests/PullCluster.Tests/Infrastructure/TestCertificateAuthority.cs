using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PullCluster.Tests.Infrastructure;

/// <summary>A throwaway CA (ECDSA P-256) that issues server and client certificates for TLS registries in tests.</summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    private TestCertificateAuthority(X509Certificate2 certificate) => Certificate = certificate;

    /// <summary>The CA's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    public string CertificatePem => Certificate.ExportCertificatePem() + "\n";

    public static TestCertificateAuthority Create(string name = "PullCluster test CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return new TestCertificateAuthority(request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30)));
    }

    /// <summary>A server certificate for IP 127.0.0.1 and DNS localhost, unless other names are given.</summary>
    public IssuedCertificate IssueServer(string commonName = "PullCluster test registry", params string[] names) =>
        Issue(commonName, ServerAuthentication, names.Length > 0 ? names : ["127.0.0.1", "localhost"]);

    public IssuedCertificate IssueClient(string commonName = "PullCluster test client") => Issue(commonName, ClientAuthentication, []);

    private IssuedCertificate Issue(string commonName, string usage, string[] names)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        if (names.Length > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var name in names)
                if (IPAddress.TryParse(name, out var address)) san.AddIpAddress(address);
                else san.AddDnsName(name);
            request.CertificateExtensions.Add(san.Build());
        }
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(Certificate, now.AddHours(-1), now.AddDays(7), RandomNumberGenerator.GetBytes(16));
        return new IssuedCertificate(issued.CopyWithPrivateKey(key), key);
    }

    public void Dispose() => Certificate.Dispose();
}

/// <summary>A certificate with its key, writable as the PEM pair servers and certs.d directories read.</summary>
public sealed class IssuedCertificate(X509Certificate2 certificate, ECDsa key) : IDisposable
{
    /// <summary>The certificate with its private key, for a TLS client to present.</summary>
    public X509Certificate2 Certificate { get; } = certificate;

    public string CertificatePem => Certificate.ExportCertificatePem() + "\n";

    public string KeyPem => key.ExportPkcs8PrivateKeyPem() + "\n";

    /// <summary>Writes <c>name.cert</c>-style files: <paramref name="certificatePath"/> and <paramref name="keyPath"/>.</summary>
    public void WritePem(string certificatePath, string keyPath)
    {
        File.WriteAllText(certificatePath, CertificatePem);
        File.WriteAllText(keyPath, KeyPem);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        key.Dispose();
    }
}
