using PullCluster.Core.Formats;
using PullCluster.Core.Registry;
using PullCluster.Tests.Infrastructure;
using Xunit;
using RegistryOptions = PullCluster.Core.Registry.RegistryOptions;

namespace PullCluster.Tests.Registry;

/// <summary>Retries, resumption and redirects, with faults injected by a proxy in front of a real registry.</summary>
public sealed class RegistryClientFaultSpecs(AnonymousRegistryFixture fixture) : IClassFixture<AnonymousRegistryFixture>, IAsyncLifetime
{
    private const string Blobs = "/blobs/";

    private FaultProxy _proxy = null!;

    public Task InitializeAsync()
    {
        _proxy = FaultProxy.Start(fixture.Registry);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    private ImageReference ViaProxy => ImageReference.Parse($"{_proxy.Address}/specs/base:1");
    private Descriptor Big => fixture.Image.LayerDescriptors[0];

    private static RegistryClient Client(Action<RegistryOptions>? configure = null)
    {
        var options = new RegistryOptions
        {
            ReadCredentialFiles = false,
            InitialBackoff = TimeSpan.FromMilliseconds(10),
            MaxBackoff = TimeSpan.FromSeconds(2),
        };
        configure?.Invoke(options);
        return new RegistryClient(options);
    }

    private IReadOnlyList<ProxiedRequest> BlobRequests => _proxy.RequestsFor(Blobs);

    [Fact]
    public async Task Server_errors_are_retried_until_the_blob_arrives()
    {
        _proxy.Inject(Fault.BareStatus(500), Blobs);
        _proxy.Inject(Fault.BareStatus(503), Blobs, skip: 1);
        using var client = Client();
        var sink = new RecordingBlobSink();
        await client.FetchBlobAsync(ViaProxy, Big, sink, null, CancellationToken.None);

        Assert.Equal(fixture.BigLayer, sink.Bytes);
        Assert.Equal(3, BlobRequests.Count);
    }

    [Fact]
    public async Task A_connection_cut_mid_blob_is_resumed_with_a_range_from_what_the_sink_holds()
    {
        _proxy.Inject(Fault.CutAfter(700_000), Blobs);
        using var client = Client();
        var sink = new RecordingBlobSink();
        long reported = 0;
        await client.FetchBlobAsync(ViaProxy, Big, sink, n => reported += n, CancellationToken.None);

        Assert.Equal(fixture.BigLayer, sink.Bytes);
        Assert.Equal(fixture.BigLayer.Length, reported);
        Assert.Equal(0, sink.Resets);
        var requests = BlobRequests;
        Assert.Equal(2, requests.Count);
        Assert.Null(requests[0].Range);
        Assert.Equal("bytes=700000-", requests[1].Range);
    }

    [Fact]
    public async Task A_server_ignoring_range_makes_the_sink_start_over()
    {
        _proxy.Inject(Fault.IgnoreRange(), Blobs);
        using var client = Client();
        var sink = new RecordingBlobSink(fixture.BigLayer[..12345]);
        await client.FetchBlobAsync(ViaProxy, Big, sink, null, CancellationToken.None);

        Assert.Equal(1, sink.Resets);
        Assert.Equal(fixture.BigLayer, sink.Bytes);
        Assert.Equal("bytes=12345-", Assert.Single(BlobRequests).Range);
    }

    [Fact]
    public async Task A_stalled_transfer_times_out_and_resumes()
    {
        _proxy.Inject(Fault.StallAfter(300_000, TimeSpan.FromSeconds(5)), Blobs);
        using var client = Client(o => o.IdleTimeout = TimeSpan.FromMilliseconds(500));
        var sink = new RecordingBlobSink();
        var started = DateTime.UtcNow;
        await client.FetchBlobAsync(ViaProxy, Big, sink, null, CancellationToken.None);

        Assert.Equal(fixture.BigLayer, sink.Bytes);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4), "the stall was waited out instead of timed out");
        Assert.Equal("bytes=300000-", BlobRequests[1].Range);
    }

    [Fact]
    public async Task Too_many_requests_waits_for_retry_after()
    {
        _proxy.Inject(Fault.BareStatus(429, ("Retry-After", "1")), Blobs);
        using var client = Client();
        var sink = new RecordingBlobSink();
        var started = DateTime.UtcNow;
        await client.FetchBlobAsync(ViaProxy, fixture.Image.LayerDescriptors[1], sink, null, CancellationToken.None);

        Assert.Equal(fixture.SmallLayer, sink.Bytes);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(0.9), "Retry-After: 1 was not honoured");
    }

    [Fact]
    public async Task Persistent_server_errors_give_up_after_max_attempts_with_a_message_naming_the_blob()
    {
        _proxy.Inject(Fault.BareStatus(500), Blobs, times: 3);
        using var client = Client(o => o.MaxAttempts = 3);
        var e = await Assert.ThrowsAsync<RegistryException>(() =>
            client.FetchBlobAsync(ViaProxy, Big, new RecordingBlobSink(), null, CancellationToken.None));

        Assert.Equal($"{_proxy.Address}/specs/base: blob {Big.Digest}: HTTP 500 Internal Server Error after 3 attempts", e.Message);
        Assert.Equal(500, e.StatusCode);
        Assert.True(e.IsTransient);
        Assert.Equal(3, BlobRequests.Count);
    }

    [Fact]
    public async Task Blob_redirects_are_followed_without_forwarding_authorization_to_the_other_host()
    {
        await using var storage = FaultProxy.Start(fixture.Registry);
        _proxy.Inject(Fault.RequireAuthorization(), times: FaultRule.Always);
        _proxy.Inject(Fault.RedirectTo(storage.Address), Blobs, times: FaultRule.Always);
        using var client = Client(o => o.Hosts[_proxy.Address] = new RegistryHostOptions { Username = "u", Password = "p" });
        var sink = new RecordingBlobSink();
        await client.FetchBlobAsync(ViaProxy, Big, sink, null, CancellationToken.None);

        Assert.Equal(fixture.BigLayer, sink.Bytes);
        Assert.Contains(_proxy.Requests, r => r.Path.Contains(Blobs) && r.Header("Authorization") is not null);
        var atStorage = Assert.Single(storage.Requests);
        Assert.Null(atStorage.Header("Authorization"));
    }

    [Fact]
    public async Task A_docker_content_digest_that_does_not_match_the_body_is_refused()
    {
        var forged = Digest.Sha256("forged"u8);
        _proxy.Inject(Fault.ForgeHeader("Docker-Content-Digest", forged.ToString()), "/manifests/", times: FaultRule.Always);
        using var client = Client();
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(ViaProxy, "1", CancellationToken.None));

        Assert.Contains($"digest mismatch: Docker-Content-Digest says {forged}", e.Message);
        Assert.False(e.IsTransient);
    }

    [Fact]
    public async Task A_manifest_whose_bytes_do_not_hash_to_the_requested_digest_is_refused()
    {
        // The proxy answers a digest request with the manifest of another tag.
        var other = TestImage.Oci().Layer(AnonymousRegistryFixture.RawLayer(AnonymousRegistryFixture.RandomBytes(10, 3))).Build();
        await other.PushAsync(fixture.Registry, "specs/base", "other");
        _proxy.Inject(Fault.RewriteTarget("/v2/specs/base/manifests/other"), "/manifests/", times: FaultRule.Always);
        using var client = Client();
        var asked = fixture.Image.Digest;
        var e = await Assert.ThrowsAsync<RegistryException>(() =>
            client.GetManifestAsync(ViaProxy.WithDigest(asked), asked.ToString(), CancellationToken.None));

        Assert.Contains($"manifest {asked}: digest mismatch: the registry served content hashing to {other.Digest}", e.Message);
        Assert.False(e.IsTransient);
    }
}
