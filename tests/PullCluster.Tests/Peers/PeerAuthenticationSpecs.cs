using System.Net;
using System.Runtime.Versioning;
using PullCluster.Core.Formats;
using PullCluster.Core.Peers;
using PullCluster.Core.Store;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Peers;

/// <summary>
/// The peer server serves only requests signed with the cluster's secret: anything else gets 401, a
/// <c>WWW-Authenticate: PullCluster-HMAC</c> challenge and not one byte, and the server logs who asked.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class PeerAuthenticationSpecs : IAsyncLifetime
{
    private readonly ClusterSecret _secret = ClusterSecret.Ephemeral();
    private readonly TempDir _dir = TempDir.Create("peer-auth");
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false });
    private ServingPeer _peer = null!;
    private Descriptor _blob = null!;

    public async Task InitializeAsync()
    {
        _peer = await ServingPeer.StartAsync(_secret);
        _blob = await _peer.PutAsync(ServingPeer.RandomBytes(50_000));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _peer.DisposeAsync();
        _dir.Dispose();
    }

    private string BlobPath => PeerProtocol.BlobPath(_blob.Digest);

    private async Task<(HttpResponseMessage Response, byte[] Body)> SendAsync(HttpMethod method, string? authorization)
    {
        var request = new HttpRequestMessage(method, new Uri(_peer.BaseUri, BlobPath));
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        var response = await _http.SendAsync(request);
        return (response, await response.Content.ReadAsByteArrayAsync());
    }

    private void AssertRefused(HttpResponseMessage response, byte[] body, string reason)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("PullCluster-HMAC", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(0, response.Content.Headers.ContentLength);
        Assert.Empty(body);
        Assert.False(response.Headers.Contains("Docker-Content-Digest"));
        Assert.Contains(_peer.Log.Lines, l => l.StartsWith("Warning: peer request refused with 401: 127.0.0.") && l.Contains(reason));
    }

    [Fact]
    public async Task A_signed_request_is_served()
    {
        var signer = new PeerRequestSigner(_secret, "member");
        var (response, body) = await SendAsync(HttpMethod.Get, signer.Sign("GET", BlobPath));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(_blob.Size, body.Length);
    }

    [Fact]
    public async Task A_request_without_a_signature_gets_401_and_no_bytes()
    {
        var (response, body) = await SendAsync(HttpMethod.Get, null);
        AssertRefused(response, body, "no Authorization header");

        var (head, headBody) = await SendAsync(HttpMethod.Head, null);
        Assert.Equal(HttpStatusCode.Unauthorized, head.StatusCode);
        Assert.Empty(headBody);
    }

    [Fact]
    public async Task A_request_signed_with_another_secret_gets_401_and_the_client_says_so()
    {
        var stranger = new PeerRequestSigner(ClusterSecret.Ephemeral(), "stranger");
        var (response, body) = await SendAsync(HttpMethod.Get, stranger.Sign("GET", BlobPath));
        AssertRefused(response, body, "signature of node \\\"stranger\\\" does not match");

        var layout = new StoreLayout(_dir.Combine("store"));
        layout.EnsureCreated();
        using var client = new PeerClient(stranger);
        using var sink = new ContentStore(layout).OpenIngest(_blob);
        var e = await Assert.ThrowsAsync<PeerException>(() => client.FetchBlobAsync(_peer.BaseUri, _blob, sink, null, CancellationToken.None));
        Assert.Equal(401, e.StatusCode);
        Assert.Contains($"blob {_blob.Digest}: 401 Unauthorized", e.Message);
        Assert.Equal(0, sink.Offset);
    }

    [Fact]
    public async Task A_request_with_a_stale_timestamp_gets_401()
    {
        var member = new PeerRequestSigner(_secret, "member");
        var (response, body) = await SendAsync(HttpMethod.Get, member.Sign("GET", BlobPath, DateTimeOffset.UtcNow.AddSeconds(-400)));
        AssertRefused(response, body, "more than 300 s");
    }

    [Fact]
    public async Task A_signature_for_another_request_gets_401()
    {
        var member = new PeerRequestSigner(_secret, "member");
        var (response, body) = await SendAsync(HttpMethod.Get, member.Sign("GET", PeerProtocol.BlobsPrefix + "sha256:" + new string('0', 64)));
        AssertRefused(response, body, "does not match");
    }
}
