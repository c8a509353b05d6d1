using PullCluster.Core.Formats;
using PullCluster.Core.Registry;
using PullCluster.Tests.Infrastructure;
using Xunit;
using RegistryOptions = PullCluster.Core.Registry.RegistryOptions;

namespace PullCluster.Tests.Registry;

/// <summary>A registry with "auth: token" trusting a token server run by the test.</summary>
public sealed class TokenRegistryFixture : IAsyncLifetime
{
    public const string User = "builder";
    public const string Password = "hunter2";

    public TokenRegistryFixture() => Image = TestImage.Oci().Layer(AnonymousRegistryFixture.RawLayer(Layer)).Build();

    public RegistryTokenServer TokenServer { get; } = new();
    public RegistryProcess Registry { get; private set; } = null!;
    public TestImage Image { get; }
    public byte[] Layer { get; } = AnonymousRegistryFixture.RandomBytes(200_000, seed: 5);

    public async Task InitializeAsync()
    {
        TokenServer.Users[User] = Password;
        var pushToken = TokenServer.IssueToken(User, [("team/app", ["pull", "push"]), ("team/other", ["pull", "push"])]);
        Registry = await RegistryProcess.StartAsync(new Infrastructure.RegistryOptions
        {
            Label = "registry-client-token",
            TokenAuth = TokenServer.RegistryAuth(pushToken),
        });
        await Image.PushAsync(Registry, "team/app", "1");
        await Image.PushAsync(Registry, "team/other", "1");
    }

    public async Task DisposeAsync()
    {
        await Registry.DisposeAsync();
        await TokenServer.DisposeAsync();
    }
}

public sealed class RegistryClientTokenAuthSpecs(TokenRegistryFixture fixture) : IClassFixture<TokenRegistryFixture>
{
    private ImageReference App => ImageReference.Parse($"{fixture.Registry.Address}/team/app:1");
    private ImageReference Other => ImageReference.Parse($"{fixture.Registry.Address}/team/other:1");

    private RegistryClient Client(string? password = TokenRegistryFixture.Password)
    {
        var options = new RegistryOptions { ReadCredentialFiles = false, MaxAttempts = 2, InitialBackoff = TimeSpan.FromMilliseconds(10) };
        if (password is not null)
            options.Hosts[fixture.Registry.Address] = new RegistryHostOptions { Username = TokenRegistryFixture.User, Password = password };
        return new RegistryClient(options);
    }

    [Fact]
    public async Task A_bearer_token_from_the_realm_fetches_manifests_and_blobs_and_is_reused_per_scope()
    {
        using var client = Client();
        var manifest = await client.GetManifestAsync(App, "1", CancellationToken.None);
        var sinks = Enumerable.Range(0, 4).Select(_ => new RecordingBlobSink()).ToList();
        await Task.WhenAll(sinks.Select(s => client.FetchBlobAsync(App, fixture.Image.LayerDescriptors[0], s, null, CancellationToken.None)));
        await client.GetManifestAsync(App, "1", CancellationToken.None);

        Assert.Equal(fixture.Image.Digest, manifest.Digest);
        Assert.All(sinks, s => Assert.Equal(fixture.Layer, s.Bytes));
        Assert.Equal(1, client.TokenRequests);

        await client.GetManifestAsync(Other, "1", CancellationToken.None);
        Assert.Equal(2, client.TokenRequests);
        Assert.Contains("repository:team/other:pull", fixture.TokenServer.Scopes);
    }

    [Fact]
    public async Task Anonymous_tokens_without_access_end_in_a_401_saying_there_are_no_credentials()
    {
        using var client = Client(password: null);
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(App, "1", CancellationToken.None));

        Assert.Equal(401, e.StatusCode);
        Assert.Equal($"{fixture.Registry.Address}/team/app: manifest 1: HTTP 401 Unauthorized: no credentials for {fixture.Registry.Address}", e.Message);
    }

    [Fact]
    public async Task Credentials_the_token_server_refuses_are_reported_with_the_realm()
    {
        using var client = Client(password: "wrong");
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(App, "1", CancellationToken.None));

        Assert.Equal(401, e.StatusCode);
        Assert.False(e.IsTransient);
        Assert.Contains($"token server {fixture.TokenServer.Realm}: HTTP 401", e.Message);
        Assert.Contains("credentials builder (from RegistryOptions.Hosts) rejected", e.Message);
    }

    [Fact]
    public async Task An_expired_token_is_fetched_again_and_access_token_replies_are_understood()
    {
        fixture.TokenServer.ExpiresInSeconds = 2;
        fixture.TokenServer.AnswerAsAccessToken = true;
        try
        {
            using var client = Client();
            await client.GetManifestAsync(App, "1", CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(2.2));
            var manifest = await client.GetManifestAsync(App, "1", CancellationToken.None);

            Assert.Equal(fixture.Image.Digest, manifest.Digest);
            Assert.Equal(2, client.TokenRequests);
        }
        finally
        {
            fixture.TokenServer.ExpiresInSeconds = 300;
            fixture.TokenServer.AnswerAsAccessToken = false;
        }
    }
}
