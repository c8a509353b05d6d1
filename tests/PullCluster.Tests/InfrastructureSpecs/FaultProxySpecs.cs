using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using PullCluster.Core.Formats;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.InfrastructureSpecs;

public class FaultProxySpecs : IClassFixture<RegistryFixture>, IAsyncLifetime
{
    private const int LayerBytes = 200_000;

    private readonly RegistryProcess _registry;
    private readonly string _repo = RepoName.Unique("proxied");
    private readonly TestLayer _layer = TestLayer.Build(
        l => l.File("payload", Enumerable.Range(0, LayerBytes).Select(i => (byte)(i * 31 % 251)).ToArray()), LayerCompression.None);
    private TestImage _image = null!;
    private FaultProxy _proxy = null!;
    private HttpClient _client = null!;

    public FaultProxySpecs(RegistryFixture fixture) => _registry = fixture.Registry;

    private string BlobPath => $"v2/{_repo}/blobs/{_layer.Digest}";

    public async Task InitializeAsync()
    {
        _image = TestImage.Oci().Layer(_layer).Build();
        await _image.PushAsync(_registry, _repo, "1");
        _proxy = FaultProxy.Start(_registry);
        _client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
        {
            BaseAddress = _proxy.BaseUri,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task Passes_manifests_through_with_their_headers()
    {
        var (type, digest, bytes) = await RegistryReads.GetManifestAsync(_client, _repo, "1", MediaTypes.OciManifest);

        Assert.Equal(MediaTypes.OciManifest, type);
        Assert.Equal(_image.Digest.ToString(), digest);
        Assert.Equal(_image.Manifest.Bytes, bytes);
        var seen = Assert.Single(_proxy.Requests);
        Assert.Equal(("GET", $"/v2/{_repo}/manifests/1", 200), (seen.Method, seen.Path, seen.Status));
        Assert.Equal(bytes.Length, seen.BodyBytesSent);
        Assert.Empty(seen.Faults);
        Assert.True(seen.Completed);
    }

    [Fact]
    public async Task Passes_range_requests_through_and_records_the_range()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, BlobPath) { Headers = { Range = new RangeHeaderValue(1000, null) } };

        using var response = await _client.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes 1000-{_layer.Size - 1}/{_layer.Size}", response.Content.Headers.ContentRange!.ToString());
        Assert.Equal(_layer.Blob[1000..], bytes);
        Assert.Equal("bytes=1000-", Assert.Single(_proxy.RequestsFor(_layer.Digest.ToString(), "GET")).Range);
    }

    [Fact]
    public async Task Uploads_through_the_proxy_get_locations_pointing_back_at_it()
    {
        var blob = "uploaded through the proxy"u8.ToArray();
        var digest = Digest.Sha256(blob);

        using var started = await _client.PostAsync($"v2/{_repo}/blobs/uploads/", null);
        var location = new Uri(_proxy.BaseUri, started.Headers.Location!);
        using var put = new HttpRequestMessage(HttpMethod.Put, $"{location.AbsoluteUri}&digest={digest}")
        {
            // An unseekable stream of unknown length makes HttpClient send the body chunked.
            Content = new StreamContent(new UnknownLengthStream(blob)),
        };
        put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var done = await _client.SendAsync(put);

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal(_proxy.Address, location.Authority);
        Assert.Equal(HttpStatusCode.Created, done.StatusCode);
        Assert.Equal("chunked", _proxy.Requests.Single(r => r.Method == "PUT").Header("Transfer-Encoding"));
        Assert.Equal(blob, await _client.GetByteArrayAsync($"v2/{_repo}/blobs/{digest}"));
    }

    [Fact]
    public async Task Injected_503_answers_once_without_reaching_the_registry()
    {
        var rule = _proxy.Inject(Fault.ServiceUnavailable(), pathContains: _layer.Digest.ToString(), method: "GET");
        var mark = _registry.AccessLog.Mark();

        using var first = await _client.GetAsync(BlobPath);
        var second = await _client.GetByteArrayAsync(BlobPath);
        await _registry.AccessLog.WaitForQuietAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Contains("UNAVAILABLE", await first.Content.ReadAsStringAsync());
        Assert.Equal(_layer.Blob, second);
        Assert.Equal(1, rule.Hits);
        Assert.Equal([503, 200], _proxy.RequestsFor(_layer.Digest.ToString()).Select(r => r.Status));
        Assert.Single(_registry.AccessLog.BlobGets(mark));
    }

    [Fact]
    public async Task Injected_429_carries_retry_after()
    {
        _proxy.Inject(Fault.TooManyRequests(), pathContains: "/blobs/");

        using var response = await _client.GetAsync(BlobPath);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter!.Delta);
    }

    [Fact]
    public async Task Injected_401_carries_the_challenge()
    {
        _proxy.Inject(Fault.Unauthorized("Bearer realm=\"http://127.0.0.1:1/token\",service=\"test\""), pathContains: "/manifests/");

        using var response = await _client.GetAsync($"v2/{_repo}/manifests/1");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("service=\"test\"", response.Headers.WwwAuthenticate.Single().Parameter);
    }

    [Fact]
    public async Task Rules_can_apply_always_and_only_to_their_method()
    {
        _proxy.Inject(Fault.InternalServerError(), pathContains: _layer.Digest.ToString(), method: "GET", times: FaultRule.Always);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await _client.GetAsync(BlobPath);
            statuses.Add(response.StatusCode);
        }
        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, BlobPath));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.InternalServerError, s));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(_layer.Size, head.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Cut_resets_the_connection_after_k_body_bytes_and_a_range_resume_completes_the_blob()
    {
        _proxy.Inject(Fault.CutAfter(5000), pathContains: _layer.Digest.ToString(), method: "GET");

        var received = new MemoryStream();
        using (var response = await _client.GetAsync(BlobPath, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var body = await response.Content.ReadAsStreamAsync();
            var error = await Record.ExceptionAsync(() => body.CopyToAsync(received));
            Assert.True(error is IOException or HttpRequestException, $"expected a transport error, got {error}");
        }
        using var resume = new HttpRequestMessage(HttpMethod.Get, BlobPath) { Headers = { Range = new RangeHeaderValue(received.Length, null) } };
        using var rest = await _client.SendAsync(resume);
        await rest.Content.CopyToAsync(received);

        Assert.Equal(5000, received.Length - (_layer.Size - 5000));
        Assert.Equal(_layer.Blob, received.ToArray());
        var gets = _proxy.RequestsFor(_layer.Digest.ToString(), "GET");
        Assert.Equal((5000, true), (gets[0].BodyBytesSent, gets[0].Aborted));
        Assert.Equal(["cut after 5000 bytes"], gets[0].Faults);
        Assert.Null(gets[0].Range);
        Assert.Equal("bytes=5000-", gets[1].Range);
    }

    [Fact]
    public async Task Corrupt_inverts_exactly_one_body_byte()
    {
        _proxy.Inject(Fault.CorruptByteAt(70_000), pathContains: _layer.Digest.ToString());

        var bytes = await _client.GetByteArrayAsync(BlobPath);

        var differing = Enumerable.Range(0, bytes.Length).Where(i => bytes[i] != _layer.Blob[i]).ToList();
        Assert.Equal([70_000], differing);
        Assert.Equal((byte)~_layer.Blob[70_000], bytes[70_000]);
    }

    [Fact]
    public async Task Drop_resets_the_connection_before_the_registry_sees_the_request()
    {
        _proxy.Inject(Fault.Drop(), pathContains: _layer.Digest.ToString());
        var mark = _registry.AccessLog.Mark();

        await Assert.ThrowsAsync<HttpRequestException>(() => _client.GetAsync(BlobPath));
        await _registry.AccessLog.WaitForQuietAsync();

        Assert.Empty(_registry.AccessLog.BlobGets(mark));
        Assert.True(Assert.Single(_proxy.Requests).Aborted);
    }

    [Fact]
    public async Task Delay_and_stall_slow_the_response_but_keep_it_intact()
    {
        _proxy.Inject(Fault.Delay(TimeSpan.FromMilliseconds(300)), pathContains: _layer.Digest.ToString());
        _proxy.Inject(Fault.StallAfter(1000, TimeSpan.FromMilliseconds(300)), pathContains: _layer.Digest.ToString());
        var watch = Stopwatch.StartNew();

        var bytes = await _client.GetByteArrayAsync(BlobPath);

        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(580), $"took only {watch.Elapsed}");
        Assert.Equal(_layer.Blob, bytes);
        Assert.Equal(["delay 300 ms", "stall 300 ms after 1000 bytes"], Assert.Single(_proxy.Requests).Faults);
    }

    [Fact]
    public async Task Throttle_caps_the_average_rate()
    {
        _proxy.Inject(Fault.Throttle(500_000), pathContains: _layer.Digest.ToString());
        var watch = Stopwatch.StartNew();

        var bytes = await _client.GetByteArrayAsync(BlobPath);

        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(380), $"200 kB at 500 kB/s took only {watch.Elapsed}");
        Assert.Equal(_layer.Blob, bytes);
    }

    [Fact]
    public async Task A_cut_delivers_every_byte_before_it_even_to_a_client_that_reads_late()
    {
        const int cut = 190_000;
        _proxy.Inject(Fault.CutAfter(cut), pathContains: _layer.Digest.ToString(), method: "GET");

        var received = new MemoryStream();
        using (var response = await _client.GetAsync(BlobPath, HttpCompletionOption.ResponseHeadersRead))
        {
            await Task.Delay(300);
            await using var body = await response.Content.ReadAsStreamAsync();
            var error = await Record.ExceptionAsync(() => body.CopyToAsync(received));
            Assert.True(error is IOException or HttpRequestException, $"expected a transport error, got {error}");
        }

        Assert.Equal(_layer.Blob[..cut], received.ToArray());
    }

    [Fact]
    public async Task Bare_status_answers_with_an_empty_body()
    {
        _proxy.Inject(Fault.BareStatus(500), pathContains: "/blobs/");

        using var response = await _client.GetAsync(BlobPath);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Skipping_rules_fault_successive_requests_in_turn()
    {
        _proxy.Inject(Fault.InternalServerError(), pathContains: _layer.Digest.ToString());
        _proxy.Inject(Fault.ServiceUnavailable(), pathContains: _layer.Digest.ToString(), skip: 1);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await _client.GetAsync(BlobPath);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.InternalServerError, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK], statuses);
    }

    [Fact]
    public async Task Ignore_range_forwards_without_the_range_header()
    {
        _proxy.Inject(Fault.IgnoreRange(), pathContains: _layer.Digest.ToString());
        using var request = new HttpRequestMessage(HttpMethod.Get, BlobPath) { Headers = { Range = new RangeHeaderValue(1000, null) } };

        using var response = await _client.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(_layer.Blob, bytes);
        Assert.Equal("bytes=1000-", Assert.Single(_proxy.Requests).Range);
    }

    [Fact]
    public async Task Require_authorization_challenges_only_requests_without_an_authorization_header()
    {
        _proxy.Inject(Fault.RequireAuthorization(), times: FaultRule.Always);

        using var anonymous = await _client.GetAsync(BlobPath);
        using var authorized = new HttpRequestMessage(HttpMethod.Get, BlobPath) { Headers = { Authorization = new AuthenticationHeaderValue("Basic", "eDp5") } };
        using var answered = await _client.SendAsync(authorized);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal(_layer.Blob, await answered.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Redirect_answers_307_to_the_same_target_on_another_host_without_reaching_the_registry()
    {
        _proxy.Inject(Fault.RedirectTo("127.0.0.1:9"), pathContains: _layer.Digest.ToString());
        var mark = _registry.AccessLog.Mark();

        using var response = await _client.GetAsync(BlobPath);
        await _registry.AccessLog.WaitForQuietAsync();

        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal(new Uri($"http://127.0.0.1:9/{BlobPath}"), response.Headers.Location);
        Assert.Empty(_registry.AccessLog.BlobGets(mark));
    }

    [Fact]
    public async Task Forge_header_replaces_a_response_header()
    {
        var forged = Digest.Sha256("forged"u8).ToString();
        _proxy.Inject(Fault.ForgeHeader("Docker-Content-Digest", forged), pathContains: "/manifests/");

        var (_, digest, bytes) = await RegistryReads.GetManifestAsync(_client, _repo, "1", MediaTypes.OciManifest);

        Assert.Equal(forged, digest);
        Assert.Equal(_image.Manifest.Bytes, bytes);
    }

    [Fact]
    public async Task Rewrite_target_serves_another_resource_than_the_one_asked_for()
    {
        _proxy.Inject(Fault.RewriteTarget($"/v2/{_repo}/blobs/{_image.Config.Digest}"), pathContains: _layer.Digest.ToString());

        var bytes = await _client.GetByteArrayAsync(BlobPath);

        Assert.Equal(_image.Config.Bytes, bytes);
        Assert.Equal($"/{BlobPath}", Assert.Single(_proxy.Requests).Path);
    }

    [Fact]
    public async Task Unreachable_registry_answers_502()
    {
        await using var orphan = FaultProxy.Start(await ClosedPortAsync());
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = orphan.BaseUri };

        using var response = await client.GetAsync("v2/");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(502, Assert.Single(orphan.Requests).Status);
    }

    private static async Task<int> ClosedPortAsync()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await Task.Yield();
        return port;
    }

    private sealed class UnknownLengthStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
