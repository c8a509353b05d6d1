using PullCluster.Core.Formats;
using PullCluster.Core.Registry;
using PullCluster.Tests.Infrastructure;
using Xunit;
using RegistryOptions = PullCluster.Core.Registry.RegistryOptions;

namespace PullCluster.Tests.Registry;

/// <summary>
/// One htpasswd registry's storage served over HTTPS three ways: plainly, requiring client certificates from a
/// second CA (mutual TLS), and with a certificate that names another host.
/// </summary>
public sealed class TlsAuthRegistryFixture : IAsyncLifetime
{
    public const string User = "tls-puller";
    public const string Password = "over-tls";

    private readonly TlsRegistryFixture _base = new();

    public TestCertificateAuthority ClientCa { get; } = TestCertificateAuthority.Create("PullCluster test client CA");
    public IssuedCertificate ClientCertificate { get; private set; } = null!;
    public RegistryProcess Tls => _base.Tls;
    public RegistryProcess Mutual { get; private set; } = null!;
    public RegistryProcess Misnamed { get; private set; } = null!;
    public TestCertificateAuthority Ca => _base.Ca;
    public string CaFile => _base.CaFile;
    public TestImage Image => _base.Image;
    public byte[] Layer => _base.Layer;

    public async Task InitializeAsync()
    {
        await _base.StartAsync(new Infrastructure.RegistryOptions
        {
            Label = "registry-https-auth",
            BasicAuth = new RegistryCredentials(User, Password),
        });
        ClientCertificate = ClientCa.IssueClient();
        Mutual = await _base.Plain.ServeOverTlsAsync(new RegistryTls(Ca, Ca.IssueServer()) { ClientCa = ClientCa, ClientCertificate = ClientCa.IssueClient() });
        Misnamed = await _base.Plain.ServeOverTlsAsync(new RegistryTls(Ca, Ca.IssueServer("Misnamed registry", "registry.example")));
    }

    public async Task DisposeAsync()
    {
        if (Mutual is not null) await Mutual.DisposeAsync();
        if (Misnamed is not null) await Misnamed.DisposeAsync();
        await _base.DisposeAsync();
        ClientCertificate?.Dispose();
        ClientCa.Dispose();
    }
}

public sealed class RegistryClientTlsAuthSpecs(TlsAuthRegistryFixture fixture) : IClassFixture<TlsAuthRegistryFixture>, IDisposable
{
    private readonly TempDir _home = TempDir.Create("https-auth-home");

    public void Dispose() => _home.Dispose();

    private static ImageReference App(RegistryProcess registry) => ImageReference.Parse($"{registry.Address}/secure/app:1");

    private RegistryClient Client(RegistryProcess registry, bool credentials = true)
    {
        var options = new RegistryOptions
        {
            ReadCredentialFiles = false,
            HomeDirectory = _home.Path,
            CertificateDirectories = [_home.Combine("certs.d")],
            MaxAttempts = 2,
            InitialBackoff = TimeSpan.FromMilliseconds(10),
        };
        options.Hosts[registry.Address] = new RegistryHostOptions
        {
            Insecure = false,
            CaFile = fixture.CaFile,
            Username = credentials ? TlsAuthRegistryFixture.User : null,
            Password = credentials ? TlsAuthRegistryFixture.Password : null,
        };
        return new RegistryClient(options);
    }

    private string CertsDir(RegistryProcess registry) => _home.Subdirectory("certs.d", registry.Address);

    [Fact]
    public async Task Basic_auth_over_tls_fetches_manifest_and_blob()
    {
        using var client = Client(fixture.Tls);
        var manifest = await client.GetManifestAsync(App(fixture.Tls), "1", CancellationToken.None);
        var sink = new RecordingBlobSink();
        await client.FetchBlobAsync(App(fixture.Tls), fixture.Image.LayerDescriptors[0], sink, null, CancellationToken.None);

        Assert.Equal(fixture.Image.Digest, manifest.Digest);
        Assert.Equal(fixture.Layer, sink.Bytes);
    }

    [Fact]
    public async Task Without_credentials_the_tls_registry_answers_401_naming_the_registry()
    {
        using var client = Client(fixture.Tls, credentials: false);
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(App(fixture.Tls), "1", CancellationToken.None));

        Assert.Equal(401, e.StatusCode);
        Assert.EndsWith($"HTTP 401 Unauthorized: no credentials for {fixture.Tls.Address}", e.Message);
    }

    [Fact]
    public async Task A_certificate_for_another_host_is_refused_even_from_a_trusted_ca()
    {
        using var client = Client(fixture.Misnamed);
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(App(fixture.Misnamed), "1", CancellationToken.None));

        Assert.False(e.IsTransient);
        Assert.EndsWith($"TLS connection to {fixture.Misnamed.Address} failed: the certificate (CN=Misnamed registry, issued by " +
                        "CN=PullCluster test CA) is not valid for 127.0.0.1 (it names registry.example); use the name it was " +
                        "issued for, or set skip-tls-verify", e.Message);
    }

    [Fact]
    public async Task A_client_certificate_pair_in_certs_d_passes_mutual_tls()
    {
        fixture.ClientCertificate.WritePem(Path.Combine(CertsDir(fixture.Mutual), "client.cert"), Path.Combine(CertsDir(fixture.Mutual), "client.key"));
        using var client = Client(fixture.Mutual);
        var manifest = await client.GetManifestAsync(App(fixture.Mutual), "1", CancellationToken.None);

        Assert.Equal(fixture.Image.Digest, manifest.Digest);
    }

    [Fact]
    public async Task Without_a_client_certificate_mutual_tls_fails_at_once_saying_where_to_put_one()
    {
        using var client = Client(fixture.Mutual);
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(App(fixture.Mutual), "1", CancellationToken.None));

        Assert.False(e.IsTransient);
        Assert.StartsWith($"{fixture.Mutual.Address}/secure/app: manifest 1: TLS connection to {fixture.Mutual.Address} failed: " +
                          "the registry wants a client certificate (alert ", e.Message);
        Assert.EndsWith("); put name.cert and name.key in its certs.d directory", e.Message);
    }

    [Fact]
    public async Task A_client_certificate_from_a_ca_the_registry_does_not_know_is_named_as_refused()
    {
        var dir = CertsDir(fixture.Mutual);
        using (var stranger = fixture.Ca.IssueClient("Stranger")) stranger.WritePem(Path.Combine(dir, "stranger.cert"), Path.Combine(dir, "stranger.key"));
        using var client = Client(fixture.Mutual);
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(App(fixture.Mutual), "1", CancellationToken.None));

        Assert.False(e.IsTransient);
        Assert.Contains($"TLS connection to {fixture.Mutual.Address} failed: the registry refused the client certificate " +
                        $"{Path.Combine(dir, "stranger.cert")} (alert ", e.Message);
    }

    [Fact]
    public async Task A_client_key_without_its_certificate_is_named()
    {
        var key = Path.Combine(CertsDir(fixture.Mutual), "client.key");
        await File.WriteAllTextAsync(key, fixture.ClientCertificate.KeyPem);
        using var client = Client(fixture.Mutual);
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(App(fixture.Mutual), "1", CancellationToken.None));

        Assert.False(e.IsTransient);
        Assert.EndsWith($"TLS connection to {fixture.Mutual.Address} failed: client key {key} has no certificate client.cert beside it", e.Message);
    }
}
