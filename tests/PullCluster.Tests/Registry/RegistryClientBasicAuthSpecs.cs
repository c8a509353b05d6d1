using System.Text;
using PullCluster.Core.Formats;
using PullCluster.Core.Registry;
using PullCluster.Tests.Infrastructure;
using Xunit;
using RegistryOptions = PullCluster.Core.Registry.RegistryOptions;

namespace PullCluster.Tests.Registry;

/// <summary>A registry with "auth: htpasswd" (bcrypt entries made by the htpasswd tool from apache2-utils).</summary>
public sealed class HtpasswdRegistryFixture : IAsyncLifetime
{
    public const string User = "puller";
    public const string Password = "s3cret:with-colon";

    public HtpasswdRegistryFixture() => Image = TestImage.Oci().Layer(AnonymousRegistryFixture.RawLayer(Layer)).Build();

    public RegistryProcess Registry { get; private set; } = null!;
    public TestImage Image { get; }
    public byte[] Layer { get; } = AnonymousRegistryFixture.RandomBytes(300_000, seed: 4);

    public async Task InitializeAsync()
    {
        Registry = await RegistryProcess.StartAsync(new Infrastructure.RegistryOptions
        {
            Label = "registry-client-htpasswd",
            BasicAuth = new RegistryCredentials(User, Password),
        });
        await Image.PushAsync(Registry, "private", "1");
    }

    public async Task DisposeAsync() => await Registry.DisposeAsync();
}

public sealed class RegistryClientBasicAuthSpecs(HtpasswdRegistryFixture fixture) : IClassFixture<HtpasswdRegistryFixture>, IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("pullcluster-home-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private ImageReference Private => ImageReference.Parse($"{fixture.Registry.Address}/private:1");

    private RegistryClient Client(Action<RegistryOptions>? configure = null)
    {
        var options = new RegistryOptions { HomeDirectory = _home, MaxAttempts = 2, InitialBackoff = TimeSpan.FromMilliseconds(10) };
        configure?.Invoke(options);
        return new RegistryClient(options);
    }

    private void WriteDockerConfig(string json)
    {
        Directory.CreateDirectory(Path.Combine(_home, ".docker"));
        File.WriteAllText(Path.Combine(_home, ".docker", "config.json"), json);
    }

    [Fact]
    public async Task Without_credentials_a_401_says_there_are_none_for_the_registry()
    {
        using var client = Client(o => o.ReadCredentialFiles = false);
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(Private, "1", CancellationToken.None));

        Assert.Equal($"{fixture.Registry.Address}/private: manifest 1: HTTP 401 Unauthorized: no credentials for {fixture.Registry.Address}", e.Message);
        Assert.Equal(401, e.StatusCode);
        Assert.False(e.IsTransient);
    }

    [Fact]
    public async Task Credentials_from_options_fetch_manifests_and_blobs()
    {
        using var client = Client(o => o.Hosts[fixture.Registry.Address] = new RegistryHostOptions
        {
            Username = HtpasswdRegistryFixture.User,
            Password = HtpasswdRegistryFixture.Password,
        });
        var manifest = await client.GetManifestAsync(Private, "1", CancellationToken.None);
        var sink = new RecordingBlobSink();
        await client.FetchBlobAsync(Private, fixture.Image.LayerDescriptors[0], sink, null, CancellationToken.None);

        Assert.Equal(fixture.Image.Digest, manifest.Digest);
        Assert.Equal(fixture.Layer, sink.Bytes);
    }

    [Fact]
    public async Task Wrong_credentials_are_reported_as_rejected_naming_the_user_but_not_the_password()
    {
        using var client = Client(o => o.Hosts["127.0.0.1"] = new RegistryHostOptions { Username = "puller", Password = "wrong" });
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(Private, "1", CancellationToken.None));

        Assert.Equal(401, e.StatusCode);
        Assert.Contains("credentials puller (from RegistryOptions.Hosts) rejected", e.Message);
        Assert.DoesNotContain("wrong", e.Message);
    }

    [Fact]
    public async Task Credentials_come_from_the_docker_config_auths_entry()
    {
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{HtpasswdRegistryFixture.User}:{HtpasswdRegistryFixture.Password}"));
        WriteDockerConfig($$"""{"auths":{"http://{{fixture.Registry.Address}}/v2/":{"auth":"{{auth}}"} } }""");
        using var client = Client();
        var manifest = await client.GetManifestAsync(Private, "1", CancellationToken.None);

        Assert.Equal(fixture.Image.Digest, manifest.Digest);
    }

    [Fact]
    public async Task A_host_whose_credentials_only_a_helper_holds_gets_an_error_naming_the_helper()
    {
        WriteDockerConfig($$"""{"auths":{},"credHelpers":{"{{fixture.Registry.Address}}":"secretservice"} }""");
        using var client = Client();
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(Private, "1", CancellationToken.None));

        Assert.Contains($"no credentials for {fixture.Registry.Address}: they are kept by docker-credential-secretservice", e.Message);
    }

    [Fact]
    public async Task A_malformed_credential_file_is_named_in_the_error()
    {
        WriteDockerConfig("{ not json");
        using var client = Client();
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(Private, "1", CancellationToken.None));

        Assert.Contains(Path.Combine(_home, ".docker", "config.json"), e.Message);
    }
}
