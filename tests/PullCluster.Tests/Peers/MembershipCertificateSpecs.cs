using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PullCluster.Core.Peers;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Peers;

/// <summary>
/// The certificate a node makes at start to prove membership: bound to the farm's secret and to its own key, so that
/// another secret, a binding copied onto another key, a certificate without a binding and an expired one are all
/// refused; and its key serves SslStream on this platform, as Akka.Remote's TLS uses it.
/// </summary>
public sealed class MembershipCertificateSpecs : IDisposable
{
    private readonly TempDir _dir = TempDir.Create("membership-certificate");

    [Fact]
    public void A_certificate_made_with_the_farms_secret_verifies_on_another_host_reading_the_same_file()
    {
        var file = WriteSecret("farm.secret", "the farm's secret, shared by every host\n");
        var now = DateTimeOffset.UtcNow;
        using var certificate = MembershipCertificate.Create(ClusterSecret.Read(file), now);

        Assert.True(MembershipCertificate.Verify(certificate, ClusterSecret.Read(file), now, out var reason), reason);
        Assert.Equal("CN=pullcluster-node", certificate.Subject);
        Assert.Equal(certificate.Subject, certificate.Issuer);
        Assert.True(certificate.HasPrivateKey);
        using var key = certificate.GetECDsaPublicKey();
        Assert.Equal(256, key?.KeySize);
        Assert.Equal(now.AddDays(-1).UtcDateTime, certificate.NotBefore.ToUniversalTime(), TimeSpan.FromSeconds(1));
        Assert.Equal(now.AddYears(1).UtcDateTime, certificate.NotAfter.ToUniversalTime(), TimeSpan.FromSeconds(1));
        var binding = Assert.Single(certificate.Extensions, e => e.Oid?.Value == MembershipCertificate.ExtensionOid);
        Assert.False(binding.Critical);
        Assert.StartsWith("2.25.", MembershipCertificate.ExtensionOid);
    }

    [Fact]
    public void Each_start_makes_a_new_key()
    {
        var secret = ClusterSecret.Ephemeral();
        using var first = MembershipCertificate.Create(secret, DateTimeOffset.UtcNow);
        using var second = MembershipCertificate.Create(secret, DateTimeOffset.UtcNow);

        Assert.NotEqual(first.PublicKey.ExportSubjectPublicKeyInfo(), second.PublicKey.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void A_certificate_made_with_another_secret_is_refused()
    {
        var now = DateTimeOffset.UtcNow;
        using var certificate = MembershipCertificate.Create(ClusterSecret.Read(WriteSecret("other.secret", "another farm's secret, 32 bytes")), now);

        Assert.False(MembershipCertificate.Verify(certificate, ClusterSecret.Read(WriteSecret("farm.secret", "this farm's own secret, 32 bytes")), now, out var reason));
        Assert.Equal("CN=pullcluster-node (issued by CN=pullcluster-node) carries a membership binding made with another secret, or for another key", reason);
    }

    [Fact]
    public void A_binding_copied_onto_another_key_is_refused()
    {
        var secret = ClusterSecret.Ephemeral();
        var now = DateTimeOffset.UtcNow;
        using var member = MembershipCertificate.Create(secret, now);
        // What someone who saw a member's certificate (it crosses the wire in every handshake) but not its key could make.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(MembershipCertificate.Subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(member.Extensions[MembershipCertificate.ExtensionOid]!);
        using var forged = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));

        Assert.False(MembershipCertificate.Verify(forged, secret, now, out var reason));
        Assert.Contains("made with another secret, or for another key", reason);
    }

    [Fact]
    public void A_certificate_without_a_binding_is_refused()
    {
        using var authority = TestCertificateAuthority.Create("membership CA");
        using var issued = authority.IssueClient("pullcluster program");

        Assert.False(MembershipCertificate.Verify(issued.Certificate, ClusterSecret.Ephemeral(), DateTimeOffset.UtcNow, out var reason));
        Assert.Equal("CN=pullcluster program (issued by CN=membership CA) carries no membership binding", reason);
    }

    [Fact]
    public void A_binding_that_is_not_a_DER_octet_string_of_a_MAC_is_refused()
    {
        var now = DateTimeOffset.UtcNow;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(MembershipCertificate.Subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509Extension(MembershipCertificate.ExtensionOid, RandomNumberGenerator.GetBytes(32), false));
        using var malformed = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));

        Assert.False(MembershipCertificate.Verify(malformed, ClusterSecret.Ephemeral(), now, out var reason));
        Assert.Contains("carries a malformed membership binding", reason);
    }

    [Fact]
    public void A_certificate_is_refused_outside_its_year()
    {
        var secret = ClusterSecret.Ephemeral();
        var made = new DateTimeOffset(2026, 1, 10, 12, 0, 0, TimeSpan.Zero);
        using var certificate = MembershipCertificate.Create(secret, made);

        Assert.True(MembershipCertificate.Verify(certificate, secret, made.AddDays(364), out _));
        Assert.False(MembershipCertificate.Verify(certificate, secret, made.AddYears(1).AddMinutes(1), out var expired));
        Assert.Equal("CN=pullcluster-node (issued by CN=pullcluster-node) is valid from 2026-01-09 12:00:00Z to 2027-01-10 12:00:00Z, not at 2027-01-10 12:01:00Z", expired);
        Assert.False(MembershipCertificate.Verify(certificate, secret, made.AddDays(-2), out _));
    }

    [Fact]
    public async Task Two_members_complete_a_mutual_TLS_handshake_with_SslStream_and_prove_their_bindings()
    {
        var secret = ClusterSecret.Ephemeral();
        var now = DateTimeOffset.UtcNow;
        using var serverCertificate = MembershipCertificate.Create(secret, now);
        using var clientCertificate = MembershipCertificate.Create(secret, now);
        // Each side accepts the other only by its binding, as the node's validator does.
        RemoteCertificateValidationCallback bound = (_, certificate, _, _) =>
            certificate is X509Certificate2 peer && MembershipCertificate.Verify(peer, secret, DateTimeOffset.UtcNow, out _);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();

        var serverSide = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptTcpClientAsync();
            await using var tls = new SslStream(accepted.GetStream(), false, bound);
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = serverCertificate,
                ClientCertificateRequired = true,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            });
            var buffer = new byte[5];
            await tls.ReadExactlyAsync(buffer);
            return (Received: System.Text.Encoding.ASCII.GetString(buffer), Client: tls.RemoteCertificate?.GetCertHashString());
        });
        using var connection = new TcpClient();
        await connection.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        await using var client = new SslStream(connection.GetStream(), false, bound);
        await client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "pullcluster-node",
            ClientCertificates = [clientCertificate],
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        });
        await client.WriteAsync("hello"u8.ToArray());
        await client.FlushAsync();

        var (received, presented) = await serverSide.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("hello", received);
        Assert.Equal(clientCertificate.Thumbprint, presented);
        Assert.Equal(serverCertificate.Thumbprint, client.RemoteCertificate?.GetCertHashString());
    }

    private string WriteSecret(string name, string text)
    {
        var path = _dir.Combine(name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => _dir.Dispose();
}
