using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PullCluster.Core.Peers;

/// <summary>
/// A node's certificate for cluster membership: self-signed, made fresh at every start, and bound to the farm's secret
/// by an extension holding HMAC-SHA256(the secret's membership key, the certificate's SubjectPublicKeyInfo).
/// </summary>
/// <remarks>
/// Mutual TLS proves that a peer holds the private key of the public key it presents; the binding proves that whoever
/// made the certificate for that public key knew the secret. Together: the peer is a host given the secret. Copying a
/// member's certificate gains nothing without its key, and moving a binding to another key breaks the MAC. No CA is
/// needed, so a farm's only credential is the secret file.
/// </remarks>
public static class MembershipCertificate
{
    /// <summary>
    /// The binding extension's OID: under 2.25 (ITU-T X.667, an OID made from a UUID, so no registration is needed),
    /// for UUID 7a869d0c-4bb2-48c5-a7f4-8da128b16357.
    /// </summary>
    public const string ExtensionOid = "2.25.162864768577276035068906245807953503063";

    public const string Subject = "CN=pullcluster-node";

    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>
    /// A new ECDSA P-256 key and a certificate for it, bound to <paramref name="secret"/>, valid from a day before
    /// <paramref name="now"/> (clocks of a farm's hosts differ) for a year; with its private key.
    /// </summary>
    public static X509Certificate2 Create(ClusterSecret secret, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        // Every member is a TLS server to some peers and a client to others, on the same certificate.
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthentication), new Oid(ClientAuthentication)], false));
        // Non-critical: TLS libraries that do not know the extension must still accept the certificate.
        request.CertificateExtensions.Add(new X509Extension(ExtensionOid, Encode(Binding(secret, request.PublicKey)), critical: false));
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
    }

    /// <summary>
    /// Whether <paramref name="certificate"/> carries a binding to <paramref name="secret"/> for its own public key
    /// and is valid at <paramref name="now"/>; <paramref name="reason"/> says why not, naming the certificate.
    /// It does not prove the peer holds the private key: the TLS handshake does that.
    /// </summary>
    public static bool Verify(X509Certificate2 certificate, ClusterSecret secret, DateTimeOffset now, out string reason)
    {
        var name = $"{certificate.Subject} (issued by {certificate.Issuer})";
        if (certificate.Extensions[ExtensionOid] is not { } extension)
        {
            reason = $"{name} carries no membership binding";
            return false;
        }
        if (Decode(extension.RawData) is not { } presented)
        {
            reason = $"{name} carries a malformed membership binding";
            return false;
        }
        if (!CryptographicOperations.FixedTimeEquals(presented, Binding(secret, certificate.PublicKey)))
        {
            reason = $"{name} carries a membership binding made with another secret, or for another key";
            return false;
        }
        if (now < certificate.NotBefore || now > certificate.NotAfter)
        {
            reason = $"{name} is valid from {certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u}, not at {now.UtcDateTime:u}";
            return false;
        }
        reason = "";
        return true;
    }

    private static byte[] Binding(ClusterSecret secret, PublicKey publicKey) =>
        HMACSHA256.HashData(secret.Key(ClusterSecret.MembershipPurpose), publicKey.ExportSubjectPublicKeyInfo());

    /// <summary>An extension's value is DER: the MAC as an OCTET STRING.</summary>
    private static byte[] Encode(byte[] mac)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(mac);
        return writer.Encode();
    }

    private static byte[]? Decode(byte[] value)
    {
        try
        {
            var mac = AsnDecoder.ReadOctetString(value, AsnEncodingRules.DER, out var consumed);
            return consumed == value.Length && mac.Length == HMACSHA256.HashSizeInBytes ? mac : null;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }
}
