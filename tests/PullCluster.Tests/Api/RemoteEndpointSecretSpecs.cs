using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using PullCluster.Actors;
using PullCluster.Core.Peers;
using PullCluster.Host;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Api;

/// <summary>
/// The endpoint rules with a cluster secret: TLS is always on, so the endpoint may open on any interface and as root
/// (these tests run as root, as the suite does); what a node presents and accepts; and the rules that hold with or
/// without a secret (the only transport is the TLS-enforced one; credentials that cannot be read stop the node).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class RemoteEndpointSecretSpecs : IDisposable
{
    private readonly TempDir _dir = TempDir.Create("remote-secret");

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("")]
    [InlineData("node-7.farm.example")]
    [InlineData("127.0.0.1")]
    public void With_a_secret_the_endpoint_opens_anywhere_with_TLS_bound_to_the_secret(string host)
    {
        var secret = ClusterSecret.Read(WriteFile("farm.secret", "the secret of this farm, 32 bytes"));
        var config = Remote($"hostname = \"{host}\"");

        using var endpoint = RemoteEndpoint.FromConfig(config, secret);

        var tls = Assert.IsType<RemoteTls>(endpoint?.Tls);
        Assert.Same(secret, tls.Secret);
        Assert.Empty(tls.Authorities);
        Assert.True(MembershipCertificate.Verify(tls.Certificate, secret, DateTimeOffset.UtcNow, out var reason), reason);
        Assert.True(tls.Certificate.HasPrivateKey);
        Assert.Equal($"mutual TLS as CN=pullcluster-node; peers must present a certificate bound to the cluster secret in {secret.File}", tls.Description);
        // The same endpoint without the secret is refused (on loopback only as root).
        if (!RemoteEndpoint.IsLoopbackHost(host) || Environment.IsPrivilegedProcess)
            Assert.Throws<RemoteTlsException>(() => RemoteEndpoint.FromConfig(config));
    }

    [Fact]
    public void With_a_secret_the_transport_settings_cannot_weaken_TLS()
    {
        var config = Remote("hostname = \"127.0.0.1\", enable-ssl = off, ssl { suppress-validation = on, require-mutual-authentication = off }");
        using var endpoint = RemoteEndpoint.FromConfig(config, ClusterSecret.Ephemeral());

        var enforced = endpoint!.Enforce(config);

        Assert.True(enforced.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
        Assert.False(enforced.GetBoolean("akka.remote.dot-netty.tcp.ssl.suppress-validation"));
        Assert.True(enforced.GetBoolean("akka.remote.dot-netty.tcp.ssl.require-mutual-authentication"));
        Assert.Equal("bound to this node's ephemeral cluster secret", endpoint.Tls!.Description.Split("certificate ")[^1]);
    }

    [Fact]
    public void With_a_secret_another_transport_is_still_refused()
    {
        var config = ConfigurationFactory.ParseString("akka.remote.enabled-transports = [\"akka.remote.plain\"]").WithFallback(Remote("hostname = \"127.0.0.1\""));

        var refusal = Assert.Throws<RemoteTlsException>(() => RemoteEndpoint.FromConfig(config, ClusterSecret.Ephemeral()));

        Assert.Contains("enabled-transports must be", refusal.Message);
    }

    [Fact]
    public void With_a_secret_and_a_configured_certificate_the_node_presents_that_certificate_and_accepts_both()
    {
        using var authority = TestCertificateAuthority.Create("programs CA");
        using var nodeCertificate = authority.IssueServer("pullcluster node");
        using var program = authority.IssueClient("pullcluster program");
        using var otherAuthority = TestCertificateAuthority.Create("another CA");
        using var stranger = otherAuthority.IssueClient("stranger");
        var caFile = WriteFile("ca.pem", authority.CertificatePem);
        var secret = ClusterSecret.Ephemeral();
        using var member = MembershipCertificate.Create(secret, DateTimeOffset.UtcNow);
        using var foreignMember = MembershipCertificate.Create(ClusterSecret.Ephemeral(), DateTimeOffset.UtcNow);
        var config = Remote("hostname = \"0.0.0.0\"", $$"""
            pullcluster.remote.tls { certificate = "{{WritePkcs12(nodeCertificate, "node.p12", "pw")}}", password = "pw", ca-file = "{{caFile}}" }
            """);

        using var endpoint = RemoteEndpoint.FromConfig(config, secret);

        var tls = endpoint!.Tls!;
        Assert.Equal("CN=pullcluster node", tls.Certificate.Subject);
        Assert.Equal($"mutual TLS as CN=pullcluster node; peers must present a certificate bound to this node's ephemeral cluster secret " +
                     $"or issued by CN=programs CA ({caFile})", tls.Description);
        Assert.True(tls.Accepts(member, null, out _));
        Assert.True(tls.Accepts(program.Certificate, null, out _));
        Assert.False(tls.Accepts(foreignMember, null, out var foreign));
        Assert.StartsWith("is not bound to this farm's secret (CN=pullcluster-node (issued by CN=pullcluster-node) carries a membership binding " +
                          $"made with another secret, or for another key), and CN=pullcluster-node (issued by CN=pullcluster-node) does not chain to a CA in {caFile}",
            foreign);
        Assert.False(tls.Accepts(stranger.Certificate, null, out var unknown));
        Assert.StartsWith("is not bound to this farm's secret (CN=stranger (issued by CN=another CA) carries no membership binding), and CN=stranger", unknown);
    }

    [Fact]
    public void With_a_secret_a_configured_certificate_that_cannot_be_read_still_stops_the_node()
    {
        var config = Remote("hostname = \"127.0.0.1\"", $$"""
            pullcluster.remote.tls { certificate = "{{_dir.Combine("missing.p12")}}", ca-file = "{{_dir.Combine("missing.pem")}}" }
            """);

        var refusal = Assert.Throws<RemoteTlsException>(() => RemoteEndpoint.FromConfig(config, ClusterSecret.Ephemeral()));

        Assert.Equal($"the remote TLS certificate {_dir.Combine("missing.p12")} does not exist", refusal.Message);
    }

    [Fact]
    public void A_node_that_opens_no_remote_endpoint_has_none_with_a_secret_either()
    {
        Assert.Null(RemoteEndpoint.FromConfig(ConfigurationFactory.ParseString("akka.actor.provider = local"), ClusterSecret.Ephemeral()));
    }

    private static Config Remote(string transport, string extra = "") => ConfigurationFactory.ParseString($$"""
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { port = 0, {{transport}} }
        {{extra}}
        """);

    private string WriteFile(string name, string text)
    {
        var path = _dir.Combine(name);
        File.WriteAllText(path, text);
        return path;
    }

    private string WritePkcs12(IssuedCertificate certificate, string name, string password)
    {
        var path = _dir.Combine(name);
        File.WriteAllBytes(path, certificate.Certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    public void Dispose() => _dir.Dispose();
}
