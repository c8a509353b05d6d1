using System.Net;
using System.Net.Sockets;
using PullCluster.Core.Formats;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.InfrastructureSpecs;

public class RegistryProcessSpecs(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private readonly RegistryProcess _registry = fixture.Registry;

    [Fact]
    public async Task Answers_the_base_endpoint_on_loopback()
    {
        using var client = _registry.CreateClient();

        using var response = await client.GetAsync("v2/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Matches(@"^127\.0\.0\.1:\d+$", _registry.Address);
        Assert.Equal("registry/2.0", response.Headers.GetValues("Docker-Distribution-Api-Version").Single());
    }

    [Fact]
    public async Task Access_log_counts_blob_gets_ranges_and_served_bytes()
    {
        var layer = TestLayer.Build(l => l.File("data", new byte[10_000]));
        var image = TestImage.Oci().Layer(layer).Build();
        var repo = RepoName.Unique("log");
        await image.PushAsync(_registry, repo, "1");
        using var client = _registry.CreateClient();
        var mark = _registry.AccessLog.Mark();

        await client.GetByteArrayAsync($"v2/{repo}/blobs/{layer.Digest}");
        await client.GetByteArrayAsync($"v2/{repo}/blobs/{layer.Digest}");
        using (var ranged = new HttpRequestMessage(HttpMethod.Get, $"v2/{repo}/blobs/{layer.Digest}"))
        {
            ranged.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(10, null);
            using var partial = await client.SendAsync(ranged);
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        }
        await client.GetByteArrayAsync($"v2/{repo}/blobs/{image.Config.Digest}");
        using (await client.GetAsync($"v2/{repo}/blobs/sha256:{new string('0', 64)}")) { }
        await _registry.AccessLog.WaitForQuietAsync();

        var gets = _registry.AccessLog.BlobGets(mark);
        Assert.Equal(5, gets.Count);
        Assert.All(gets, g => Assert.Equal(repo, g.Repository));
        Assert.Equal([200, 200, 206, 200, 404], gets.Select(g => g.Status));
        Assert.Equal(3, _registry.AccessLog.GetsPerBlob(mark)[layer.Digest]);
        Assert.Equal(1, _registry.AccessLog.GetsPerBlob(mark)[image.Config.Digest]);
        Assert.Equal(2 * layer.Size + (layer.Size - 10) + image.Config.Size, _registry.AccessLog.ServedBlobBytes(mark));
    }

    [Fact]
    public async Task Marks_isolate_what_happened_after_them()
    {
        var layer = TestLayer.Build(l => l.File("mark", "m"));
        var repo = RepoName.Unique("mark");
        await TestImage.Oci().Layer(layer).Build().PushAsync(_registry, repo, "1");
        using var client = _registry.CreateClient();
        await client.GetByteArrayAsync($"v2/{repo}/blobs/{layer.Digest}");
        await _registry.AccessLog.WaitForQuietAsync();
        var mark = _registry.AccessLog.Mark();

        await _registry.AccessLog.WaitForQuietAsync();

        Assert.Empty(_registry.AccessLog.BlobGets(mark));
        Assert.Empty(_registry.AccessLog.Entries(mark));
        Assert.Equal(1, _registry.AccessLog.GetsPerBlob()[layer.Digest]);
    }

    [Fact]
    public async Task Tampered_blobs_are_served_with_their_original_digest()
    {
        var layer = TestLayer.Build(l => l.File("tamper", "original"));
        var repo = RepoName.Unique("tamper");
        await TestImage.Oci().Layer(layer).Build().PushAsync(_registry, repo, "1");

        _registry.TamperBlob(layer.Digest, "not the layer"u8.ToArray());

        using var client = _registry.CreateClient();
        using var response = await client.GetAsync($"v2/{repo}/blobs/{layer.Digest}");
        Assert.Equal("not the layer", await response.Content.ReadAsStringAsync());
        Assert.Equal(layer.Digest.ToString(), response.Headers.GetValues("Docker-Content-Digest").Single());
    }

    [Fact]
    public async Task Deleted_blobs_answer_404()
    {
        var layer = TestLayer.Build(l => l.File("deleted", "soon gone"));
        var repo = RepoName.Unique("delete");
        await TestImage.Oci().Layer(layer).Build().PushAsync(_registry, repo, "1");

        await _registry.DeleteBlobAsync(repo, layer.Digest);

        using var client = _registry.CreateClient();
        using var response = await client.GetAsync($"v2/{repo}/blobs/{layer.Digest}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public void Reference_spells_tags_and_digests()
    {
        var digest = Digest.Sha256("x"u8);

        Assert.Equal($"{_registry.Address}/app:1", _registry.Reference("app", "1"));
        Assert.Equal($"{_registry.Address}/app@{digest}", _registry.Reference("app", digest.ToString()));
    }
}

public class RegistryLifecycleSpecs
{
    [Fact]
    public async Task Dispose_kills_the_registry_and_removes_its_storage()
    {
        var registry = await RegistryProcess.StartAsync();
        var pid = registry.ProcessId;
        var port = registry.Port;
        var dataDir = registry.DataDir;
        Assert.True(File.Exists(registry.AppLogPath));

        await registry.DisposeAsync();

        Assert.False(Directory.Exists($"/proc/{pid}"));
        Assert.False(Directory.Exists(dataDir));
        using var probe = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, port));
    }

    [Fact]
    public async Task Registries_started_together_get_distinct_ports_and_logs()
    {
        var started = await Task.WhenAll(RegistryProcess.StartAsync(), RegistryProcess.StartAsync());
        await using var a = started[0];
        await using var b = started[1];
        using var client = a.CreateClient();
        var markB = b.AccessLog.Mark();

        await client.GetAsync($"v2/only-a/blobs/sha256:{new string('1', 64)}");
        await a.AccessLog.WaitForQuietAsync();
        await b.AccessLog.WaitForQuietAsync();

        Assert.NotEqual(a.Port, b.Port);
        Assert.Single(a.AccessLog.BlobGets());
        Assert.Empty(b.AccessLog.BlobGets(markB));
    }

    [Fact]
    public async Task Basic_auth_refuses_anonymous_requests_and_accepts_the_configured_user()
    {
        await using var registry = await RegistryProcess.StartAsync(new RegistryOptions { BasicAuth = new("alice", "s3cret") });
        var image = TestImage.Oci().Layer(l => l.File("auth", "secret stuff")).Build();
        var pushed = await image.PushAsync(registry, "private/app", "1");
        using var anonymous = registry.CreateClient(authenticated: false);
        using var authenticated = registry.CreateClient();
        var mark = registry.AccessLog.Mark();

        using var refused = await anonymous.GetAsync("v2/");
        using var wrongPassword = new HttpRequestMessage(HttpMethod.Get, "v2/");
        wrongPassword.Headers.Authorization = new RegistryCredentials("alice", "wrong").ToBasicHeader();
        using var refusedAgain = await anonymous.SendAsync(wrongPassword);
        using var manifestRequest = new HttpRequestMessage(HttpMethod.Get, $"v2/private/app/manifests/{pushed.ManifestDigest}");
        manifestRequest.Headers.Accept.ParseAdd(MediaTypes.OciManifest);
        using var manifest = await authenticated.SendAsync(manifestRequest);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.StartsWith("Basic realm=", refused.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, refusedAgain.StatusCode);
        Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
        await registry.AccessLog.WaitForQuietAsync();
        Assert.Equal(2, registry.AccessLog.Entries(mark).Count(e => e is { Endpoint: RegistryEndpoint.Base, Status: 401 }));
    }

    [Fact]
    public async Task Token_auth_sends_clients_to_the_realm_and_accepts_the_push_token()
    {
        await using var tokens = new RegistryTokenServer();
        var pushToken = tokens.IssueToken("pusher", [("team/app", ["pull", "push"])]);
        await using var registry = await RegistryProcess.StartAsync(new RegistryOptions { TokenAuth = tokens.RegistryAuth(pushToken) });
        var image = TestImage.Oci().Layer(l => l.File("token", "behind a token")).Build();
        var pushed = await image.PushAsync(registry, "team/app", "1");
        using var anonymous = registry.CreateClient(authenticated: false);
        using var authenticated = registry.CreateClient();

        using var refused = await anonymous.GetAsync("v2/");
        using var manifestRequest = new HttpRequestMessage(HttpMethod.Get, $"v2/team/app/manifests/{pushed.ManifestDigest}");
        manifestRequest.Headers.Accept.ParseAdd(MediaTypes.OciManifest);
        using var manifest = await authenticated.SendAsync(manifestRequest);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var challenge = refused.Headers.WwwAuthenticate.ToString();
        Assert.StartsWith($"Bearer realm=\"{tokens.Realm}\"", challenge);
        Assert.Contains($"service=\"{RegistryTokenServer.Service}\"", challenge);
        Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
        Assert.Equal(image.Manifest.Bytes, await manifest.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Basic_and_token_auth_together_are_refused()
    {
        await using var tokens = new RegistryTokenServer();
        var options = new RegistryOptions { BasicAuth = new("alice", "s3cret"), TokenAuth = tokens.RegistryAuth(tokens.IssueToken("alice", [])) };

        var e = await Assert.ThrowsAsync<ArgumentException>(() => RegistryProcess.StartAsync(options));

        Assert.Contains("either basic auth or token auth", e.Message);
    }
}
