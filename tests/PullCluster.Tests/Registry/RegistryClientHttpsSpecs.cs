using PullCluster.Core.Formats;
using PullCluster.Core.Registry;
using PullCluster.Tests.Infrastructure;
using Xunit;
using RegistryOptions = PullCluster.Core.Registry.RegistryOptions;

namespace PullCluster.Tests.Registry;

/// <summary>The registry client against the real distribution registry serving HTTPS on 127.0.0.1.</summary>
public sealed class RegistryClientHttpsSpecs(TlsRegistryFixture fixture) : IClassFixture<TlsRegistryFixture>, IDisposable
{
    private readonly TempDir _home = TempDir.Create("https-home");

    public void Dispose() => _home.Dispose();

    private ImageReference App => ImageReference.Parse($"{fixture.Tls.Address}/secure/app:1");

    private string Address => fixture.Tls.Address;

    /// <summary>A client that asks for HTTPS on the loopback registry and reads certs.d only under the test's home.</summary>
    private RegistryClient Client(Action<RegistryHostOptions>? host = null, Action<RegistryOptions>? configure = null)
    {
        var options = new RegistryOptions
        {
            ReadCredentialFiles = false,
            HomeDirectory = _home.Path,
            CertificateDirectories = [_home.Combine("certs.d")],
            MaxAttempts = 2,
            InitialBackoff = TimeSpan.FromMilliseconds(10),
        };
        var hostOptions = new RegistryHostOptions { Insecure = false };
        host?.Invoke(hostOptions);
        options.Hosts[Address] = hostOptions;
        configure?.Invoke(options);
        return new RegistryClient(options);
    }

    private async Task AssertPullsAsync(RegistryClient client)
    {
        var mark = fixture.Tls.AccessLog.Mark();
        var manifest = await client.GetManifestAsync(App, "1", CancellationToken.None);
        var sink = new RecordingBlobSink();
        await client.FetchBlobAsync(App, fixture.Image.LayerDescriptors[0], sink, null, CancellationToken.None);

        Assert.Equal(fixture.Image.Digest, manifest.Digest);
        Assert.Equal(fixture.Layer, sink.Bytes);
        await fixture.Tls.AccessLog.WaitForQuietAsync();
        Assert.Single(fixture.Tls.AccessLog.BlobGets(mark));
    }

    private async Task<RegistryException> AssertFailsAsync(RegistryClient client)
    {
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(App, "1", CancellationToken.None));
        Assert.Equal(Address, e.Registry);
        Assert.False(e.IsTransient);
        return e;
    }

    [Fact]
    public async Task A_ca_file_makes_the_registry_trusted()
    {
        using var client = Client(h => h.CaFile = fixture.CaFile);
        await AssertPullsAsync(client);
    }

    [Fact]
    public async Task A_ca_in_the_registrys_certs_d_directory_makes_it_trusted()
    {
        var dir = _home.Subdirectory("certs.d", Address);
        await File.WriteAllTextAsync(Path.Combine(dir, "ca.crt"), fixture.Ca.CertificatePem);
        using var client = Client();
        await AssertPullsAsync(client);
    }

    [Fact]
    public async Task The_first_certs_d_root_holding_the_registry_is_the_one_read_as_containers_image_does()
    {
        var first = _home.Subdirectory("first", Address);
        await File.WriteAllTextAsync(Path.Combine(first, "unrelated.crt"), TestCertificateAuthority.Create("Other CA").CertificatePem);
        await File.WriteAllTextAsync(Path.Combine(_home.Subdirectory("second", Address), "ca.crt"), fixture.Ca.CertificatePem);
        using var client = Client(configure: o => o.CertificateDirectories = [_home.Combine("first"), _home.Combine("second")]);

        var e = await AssertFailsAsync(client);
        Assert.Contains($"neither the system's roots nor the CA in {Path.Combine(first, "unrelated.crt")} accept it", e.Message);
    }

    [Fact]
    public async Task A_ca_added_to_certs_d_after_a_refusal_applies_without_a_new_client()
    {
        using var client = Client();
        await AssertFailsAsync(client);
        var dir = _home.Subdirectory("certs.d", Address);
        await File.WriteAllTextAsync(Path.Combine(dir, "ca.crt"), fixture.Ca.CertificatePem);

        await AssertPullsAsync(client);
    }

    [Fact]
    public async Task Without_its_ca_the_error_names_the_registry_the_certificate_and_the_remedies()
    {
        using var client = Client();
        var e = await AssertFailsAsync(client);

        Assert.StartsWith($"{Address}/secure/app: manifest 1: TLS connection to {Address} failed: the certificate is not trusted " +
                          "(CN=PullCluster test registry, issued by CN=PullCluster test CA: ", e.Message);
        Assert.EndsWith("); add its CA with ca-file or certs.d, or set skip-tls-verify", e.Message);
    }

    [Fact]
    public async Task A_ca_file_of_another_ca_is_named_in_the_refusal()
    {
        var other = _home.Combine("other-ca.pem");
        using (var otherCa = TestCertificateAuthority.Create("Other CA")) await File.WriteAllTextAsync(other, otherCa.CertificatePem);
        using var client = Client(h => h.CaFile = other);
        var e = await AssertFailsAsync(client);

        Assert.Contains($"TLS connection to {Address} failed: the certificate is not trusted (CN=PullCluster test registry", e.Message);
        Assert.EndsWith($": neither the system's roots nor the CA in {other} accept it", e.Message);
    }

    [Fact]
    public async Task A_missing_ca_file_is_named_as_unreadable()
    {
        var missing = _home.Combine("no-such-ca.pem");
        using var client = Client(h => h.CaFile = missing);
        var e = await AssertFailsAsync(client);

        Assert.Contains($"neither the system's roots nor the CA in {missing} (unreadable: ", e.Message);
    }

    [Fact]
    public async Task Skip_tls_verify_accepts_the_untrusted_certificate()
    {
        using var client = Client(h => h.SkipTlsVerify = true);
        await AssertPullsAsync(client);
    }

    [Fact]
    public async Task Insecure_on_against_a_tls_registry_says_it_speaks_https()
    {
        using var client = Client(h => h.Insecure = true);
        var e = await AssertFailsAsync(client);

        Assert.Equal(400, e.StatusCode);
        Assert.EndsWith($"HTTP 400 Bad Request: {Address} speaks HTTPS but was asked in plain HTTP; set insecure = off for it", e.Message);
    }

    [Fact]
    public async Task The_loopback_default_of_plain_http_gets_the_same_advice()
    {
        using var client = new RegistryClient(new RegistryOptions { ReadCredentialFiles = false, MaxAttempts = 1 });
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(App, "1", CancellationToken.None));

        Assert.Contains($"{Address} speaks HTTPS but was asked in plain HTTP; set insecure = off for it", e.Message);
    }

    [Fact]
    public async Task Https_against_a_plain_http_registry_asks_whether_it_speaks_https()
    {
        var plain = ImageReference.Parse($"{fixture.Plain.Address}/secure/app:1");
        using var client = Client(configure: o => o.Hosts[fixture.Plain.Address] = new RegistryHostOptions { Insecure = false });
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(plain, "1", CancellationToken.None));

        Assert.False(e.IsTransient);
        Assert.StartsWith($"{fixture.Plain.Address}/secure/app: manifest 1: TLS connection to {fixture.Plain.Address} failed: ", e.Message);
        Assert.EndsWith($"(does {fixture.Plain.Address} speak HTTPS? If it serves plain HTTP, set insecure = on for it)", e.Message);
    }
}
