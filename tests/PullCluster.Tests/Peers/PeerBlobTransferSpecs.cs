using System.Net;
using System.Runtime.Versioning;
using PullCluster.Core.Formats;
using PullCluster.Core.Peers;
using PullCluster.Core.Store;
using PullCluster.Host.Peers;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Peers;

/// <summary>
/// <see cref="PeerClient"/> fetching from a real <see cref="PeerBlobServer"/> on its own loopback address, into a
/// receiving node's real content store: stored and in-flight blobs, resumption, and sources that fail or lie.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class PeerBlobTransferSpecs : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly ClusterSecret _secret = ClusterSecret.Ephemeral();
    private readonly TempDir _dir = TempDir.Create("peer-receiver");
    private readonly ContentStore _receiver;
    private readonly PeerClient _client;
    private ServingPeer _peer = null!;

    public PeerBlobTransferSpecs()
    {
        var layout = new StoreLayout(_dir.Combine("store"));
        layout.EnsureCreated();
        _receiver = new ContentStore(layout);
        _client = new PeerClient(new PeerRequestSigner(_secret, "receiving-node"));
    }

    public async Task InitializeAsync() => _peer = await ServingPeer.StartAsync(_secret);

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _peer.DisposeAsync();
        _dir.Dispose();
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(Patience).Token;

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not within {Patience}: {what}");
            await Task.Delay(10);
        }
    }

    private string ReceivedBlobs() => string.Join(", ", _receiver.List());

    [Fact]
    public async Task A_stored_blob_arrives_whole_in_the_receivers_store()
    {
        var bytes = ServingPeer.RandomBytes(3_000_000);
        var blob = await _peer.PutAsync(bytes);
        long reported = 0;

        using (var sink = _receiver.OpenIngest(blob))
        {
            await _client.FetchBlobAsync(_peer.BaseUri, blob, sink, n => reported += n, Timeout());
            Assert.Equal(bytes, await File.ReadAllBytesAsync(sink.Commit()));
        }

        Assert.Equal(bytes.Length, reported);
        // The server logs once its response is complete, which may be just after the client has read it all.
        await Eventually(() => _peer.Log.Lines.Any(l => l.StartsWith("Debug:") && l.Contains($"peer blob {blob.Digest} served to 127.0.0.")
            && l.Contains("node receiving-node") && l.Contains("3000000 bytes from offset 0, stored")), "the server logs the transfer");
    }

    [Fact]
    public async Task A_receiver_holding_part_of_the_blob_asks_for_the_rest_with_a_Range()
    {
        var bytes = ServingPeer.RandomBytes(1_000_000);
        var blob = await _peer.PutAsync(bytes);
        using (var first = _receiver.OpenIngest(blob))
            await first.WriteAsync(bytes.AsMemory(0, 400_000), CancellationToken.None);
        await using var proxy = FaultProxy.Start(_peer.Port, _peer.Address.ToString());
        long reported = 0;

        using var sink = _receiver.OpenIngest(blob);
        Assert.Equal(400_000, sink.Offset);
        await _client.FetchBlobAsync(proxy.BaseUri, blob, sink, n => reported += n, Timeout());

        Assert.Equal(bytes, await File.ReadAllBytesAsync(sink.Commit()));
        Assert.Equal(600_000, reported);
        var request = Assert.Single(proxy.RequestsFor(blob.Digest.ToString(), "GET"));
        Assert.Equal("bytes=400000-", request.Range);
        Assert.Equal(206, request.Status);
    }

    [Fact]
    public async Task A_peer_answering_a_ranged_request_with_the_whole_blob_replaces_what_the_receiver_held()
    {
        var bytes = ServingPeer.RandomBytes(500_000);
        var blob = await _peer.PutAsync(bytes);
        using (var first = _receiver.OpenIngest(blob))
            await first.WriteAsync(new byte[200_000], CancellationToken.None);
        await using var proxy = FaultProxy.Start(_peer.Port, _peer.Address.ToString());
        proxy.Inject(Fault.IgnoreRange(), pathContains: blob.Digest.ToString());

        using var sink = _receiver.OpenIngest(blob);
        await _client.FetchBlobAsync(proxy.BaseUri, blob, sink, null, Timeout());

        Assert.Equal(bytes, await File.ReadAllBytesAsync(sink.Commit()));
        Assert.Equal(200, Assert.Single(proxy.RequestsFor(blob.Digest.ToString(), "GET")).Status);
    }

    [Fact]
    public async Task A_blob_the_peer_is_still_downloading_streams_to_the_receiver_as_it_grows()
    {
        var bytes = ServingPeer.RandomBytes(2_000_000);
        var blob = ServingPeer.Describe(bytes);
        using var source = _peer.Store.OpenIngest(blob);
        await source.WriteAsync(bytes.AsMemory(0, 100_000), CancellationToken.None);
        long received = 0;
        using var sink = _receiver.OpenIngest(blob);

        var fetch = _client.FetchBlobAsync(_peer.BaseUri, blob, sink, n => Interlocked.Add(ref received, n), Timeout());
        for (var at = 100_000; at < bytes.Length; at += 100_000)
        {
            if (at == 1_000_000)
            {
                await Eventually(() => Interlocked.Read(ref received) == 1_000_000, "the receiver has the first half while the peer writes");
                Assert.False(fetch.IsCompleted);
            }
            await source.WriteAsync(bytes.AsMemory(at, 100_000), CancellationToken.None);
            await Task.Delay(20);
        }
        await Eventually(() => Interlocked.Read(ref received) == bytes.Length - 1, "all but the last byte before the peer verified");
        Assert.False(fetch.IsCompleted, "the transfer ended before the peer verified the blob");

        source.Commit();
        await fetch.WaitAsync(Patience);

        Assert.Equal(bytes, await File.ReadAllBytesAsync(sink.Commit()));
        await Eventually(() => _peer.Log.Lines.Any(l => l.Contains($"peer blob {blob.Digest} served") && l.Contains("in flight")),
            "the server logs the transfer as in flight");
    }

    [Fact]
    public async Task Several_receivers_and_a_relay_stream_one_blob_while_the_first_peer_still_downloads_it()
    {
        var bytes = ServingPeer.RandomBytes(1_500_000);
        var blob = ServingPeer.Describe(bytes);
        await using var relay = await ServingPeer.StartAsync(_secret);
        using var source = _peer.Store.OpenIngest(blob);
        using var relayed = relay.Store.OpenIngest(blob);
        var receivers = Enumerable.Range(0, 3).Select(i =>
        {
            var layout = new StoreLayout(_dir.Combine($"receiver-{i}"));
            layout.EnsureCreated();
            return new ContentStore(layout).OpenIngest(blob);
        }).ToArray();

        var fetches = receivers.Take(2).Select(r => _client.FetchBlobAsync(_peer.BaseUri, blob, r, null, Timeout()))
            .Append(_client.FetchBlobAsync(_peer.BaseUri, blob, relayed, null, Timeout()))
            .Append(_client.FetchBlobAsync(relay.BaseUri, blob, receivers[2], null, Timeout()))
            .ToArray();
        for (var at = 0; at < bytes.Length; at += 50_000)
        {
            await source.WriteAsync(bytes.AsMemory(at, 50_000), CancellationToken.None);
            await Task.Delay(5);
        }
        await Eventually(() => receivers[2].Offset == bytes.Length - 1, "the relay's receiver has all but the last byte");
        Assert.All(fetches, f => Assert.False(f.IsCompleted));

        source.Commit();
        await fetches[2].WaitAsync(Patience);
        relayed.Commit();
        await Task.WhenAll(fetches).WaitAsync(Patience);

        foreach (var receiver in receivers)
        {
            Assert.Equal(bytes, await File.ReadAllBytesAsync(receiver.Commit()));
            receiver.Dispose();
        }
    }

    [Fact]
    public async Task When_the_peers_download_is_abandoned_mid_stream_the_transfer_fails_and_nothing_short_is_committed()
    {
        var bytes = ServingPeer.RandomBytes(1_000_000);
        var blob = ServingPeer.Describe(bytes);
        var source = _peer.Store.OpenIngest(blob);
        await source.WriteAsync(bytes.AsMemory(0, 500_000), CancellationToken.None);
        long received = 0;
        using var sink = _receiver.OpenIngest(blob);
        var fetch = _client.FetchBlobAsync(_peer.BaseUri, blob, sink, n => Interlocked.Add(ref received, n), Timeout());
        await Eventually(() => Interlocked.Read(ref received) == 500_000, "the receiver has what the peer wrote");

        source.Dispose();

        var e = await Assert.ThrowsAsync<PeerException>(() => fetch.WaitAsync(Patience));
        Assert.StartsWith($"peer {_peer.BaseUri.GetLeftPart(UriPartial.Authority)}: blob {blob.Digest}: ", e.Message);
        Assert.Contains("after 500000 of 1000000 bytes", e.Message);
        Assert.Equal(500_000, sink.Offset);
        Assert.Throws<BlobVerificationException>(() => sink.Commit());
        Assert.False(_receiver.Has(blob), ReceivedBlobs());
        Assert.Contains(_peer.Log.Lines, l => l.StartsWith("Warning:") && l.Contains($"peer blob {blob.Digest} to 127.0.0.")
            && l.Contains("aborted after 500000 of 1000000 bytes") && l.Contains("the download stopped"));
    }

    [Fact]
    public async Task A_peer_whose_download_fails_verification_never_delivers_the_last_byte()
    {
        var bytes = ServingPeer.RandomBytes(300_000);
        var blob = ServingPeer.Describe(bytes);
        var wrong = (byte[])bytes.Clone();
        wrong[1234] ^= 0x55;
        using var source = _peer.Store.OpenIngest(blob);
        await source.WriteAsync(wrong, CancellationToken.None);
        long received = 0;
        using var sink = _receiver.OpenIngest(blob);
        var fetch = _client.FetchBlobAsync(_peer.BaseUri, blob, sink, n => Interlocked.Add(ref received, n), Timeout());
        await Eventually(() => Interlocked.Read(ref received) == bytes.Length - 1, "all but the last byte");

        Assert.Throws<BlobVerificationException>(() => source.Commit());

        await Assert.ThrowsAsync<PeerException>(() => fetch.WaitAsync(Patience));
        Assert.Equal(bytes.Length - 1, sink.Offset);
        Assert.Throws<BlobVerificationException>(() => sink.Commit());
        Assert.False(_receiver.Has(blob), ReceivedBlobs());
    }

    [Fact]
    public async Task Bytes_corrupted_on_the_way_fail_the_receivers_digest_check_and_never_enter_its_store()
    {
        var bytes = ServingPeer.RandomBytes(800_000);
        var blob = await _peer.PutAsync(bytes);
        await using var proxy = FaultProxy.Start(_peer.Port, _peer.Address.ToString());
        proxy.Inject(Fault.CorruptByteAt(456_789), pathContains: blob.Digest.ToString(), method: "GET");

        using var sink = _receiver.OpenIngest(blob);
        await _client.FetchBlobAsync(proxy.BaseUri, blob, sink, null, Timeout());

        var e = Assert.Throws<BlobVerificationException>(() => sink.Commit());
        Assert.Contains("digest mismatch", e.Message);
        Assert.False(_receiver.Has(blob), ReceivedBlobs());
        Assert.Empty(Directory.GetFiles(_receiver.Layout.Ingest));
    }

    [Fact]
    public async Task A_blob_the_peer_does_not_hold_is_a_404_naming_peer_and_digest()
    {
        var blob = ServingPeer.Describe(ServingPeer.RandomBytes(100));
        using var sink = _receiver.OpenIngest(blob);

        var e = await Assert.ThrowsAsync<PeerException>(() => _client.FetchBlobAsync(_peer.BaseUri, blob, sink, null, Timeout()));

        Assert.Equal($"peer {_peer.BaseUri.GetLeftPart(UriPartial.Authority)}: blob {blob.Digest}: 404 Not Found", e.Message);
        Assert.Equal(404, e.StatusCode);
        Assert.Equal(0, sink.Offset);
    }

    [Fact]
    public async Task A_peer_that_stops_sending_fails_the_transfer_after_the_idle_timeout()
    {
        var bytes = ServingPeer.RandomBytes(200_000);
        var blob = ServingPeer.Describe(bytes);
        using var source = _peer.Store.OpenIngest(blob);
        await source.WriteAsync(bytes.AsMemory(0, 50_000), CancellationToken.None);
        using var impatient = new PeerClient(new PeerRequestSigner(_secret, "receiving-node"), TimeSpan.FromSeconds(1));
        // A first transfer pays the process's cold start (JIT), which on a loaded machine can exceed the timeout.
        var warm = await _peer.PutAsync(ServingPeer.RandomBytes(1_000));
        using (var warmSink = _receiver.OpenIngest(warm))
            await impatient.FetchBlobAsync(_peer.BaseUri, warm, warmSink, null, Timeout());
        using var sink = _receiver.OpenIngest(blob);

        var e = await Assert.ThrowsAsync<PeerException>(() => impatient.FetchBlobAsync(_peer.BaseUri, blob, sink, null, Timeout()));

        Assert.Contains("no byte for 1 s after 50000 of 200000 bytes", e.Message);
        Assert.Equal(50_000, sink.Offset);
    }

    [Fact]
    public async Task Stopping_the_server_ends_a_transfer_that_waits_on_a_stalled_download_within_its_grace()
    {
        var bytes = ServingPeer.RandomBytes(100_000);
        var blob = ServingPeer.Describe(bytes);
        using var source = _peer.Store.OpenIngest(blob);
        await source.WriteAsync(bytes.AsMemory(0, 10_000), CancellationToken.None);
        long received = 0;
        using var sink = _receiver.OpenIngest(blob);
        var fetch = _client.FetchBlobAsync(_peer.BaseUri, blob, sink, n => Interlocked.Add(ref received, n), Timeout());
        await Eventually(() => Interlocked.Read(ref received) == 10_000, "the receiver has what the peer wrote");

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await _peer.Server.StopAsync(CancellationToken.None).WaitAsync(Patience);

        Assert.InRange(stopping.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        var e = await Assert.ThrowsAsync<PeerException>(() => fetch.WaitAsync(Patience));
        Assert.Contains("after 10000 of 100000 bytes", e.Message);
    }

    [Fact]
    public async Task A_peer_that_is_not_listening_is_a_transport_error_naming_it()
    {
        var blob = ServingPeer.Describe(ServingPeer.RandomBytes(100));
        var nobody = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        using var sink = _receiver.OpenIngest(blob);

        var e = await Assert.ThrowsAsync<PeerException>(() => _client.FetchBlobAsync(nobody, blob, sink, null, Timeout()));

        Assert.StartsWith($"peer {nobody.GetLeftPart(UriPartial.Authority)}: blob {blob.Digest}: ", e.Message);
        Assert.Contains("refused", e.Message);
        Assert.Null(e.StatusCode);
    }

    [Fact]
    public async Task A_server_given_a_host_name_listens_on_what_the_name_resolves_to()
    {
        var bytes = ServingPeer.RandomBytes(10_000);
        var blob = await _peer.PutAsync(bytes);
        using var loggers = new CapturedLog().Factory();
        await using var named = new PeerBlobServer(new DnsEndPoint("localhost", 0), _peer.Store, new PeerRequestSigner(_secret, "named"), loggers);

        await named.StartAsync(CancellationToken.None);

        Assert.NotEmpty(named.Addresses);
        using var sink = _receiver.OpenIngest(blob);
        await _client.FetchBlobAsync(named.Addresses[0], blob, sink, null, Timeout());
        Assert.Equal(bytes, await File.ReadAllBytesAsync(sink.Commit()));
    }

    [Fact]
    public async Task A_server_that_cannot_bind_its_address_says_which()
    {
        var taken = new IPEndPoint(_peer.Address, _peer.Port);
        using var loggers = new CapturedLog().Factory();
        await using var second = new PeerBlobServer(taken, _peer.Store, new PeerRequestSigner(_secret, "second"), loggers);

        var e = await Assert.ThrowsAsync<IOException>(() => second.StartAsync(CancellationToken.None));

        Assert.Contains($"the peer blob server cannot listen on {taken}", e.Message);
    }

    [Fact]
    public async Task The_server_answers_HEAD_single_ranges_and_unsatisfiable_ranges_as_HTTP_says()
    {
        var bytes = ServingPeer.RandomBytes(10_000);
        var blob = await _peer.PutAsync(bytes);
        var signer = new PeerRequestSigner(_secret, "test-node");
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var path = PeerProtocol.BlobPath(blob.Digest);

        async Task<HttpResponseMessage> Send(HttpMethod method, string target, string? range = null)
        {
            var request = new HttpRequestMessage(method, new Uri(_peer.BaseUri, target));
            request.Headers.TryAddWithoutValidation("Authorization", signer.Sign(method.Method, target));
            if (range is not null) request.Headers.TryAddWithoutValidation("Range", range);
            return await http.SendAsync(request, Timeout());
        }

        using (var head = await Send(HttpMethod.Head, path))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(10_000, head.Content.Headers.ContentLength);
            Assert.Equal(blob.Digest.ToString(), head.Headers.GetValues("Docker-Content-Digest").Single());
            Assert.Equal("bytes", head.Headers.AcceptRanges.Single());
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        }
        using (var middle = await Send(HttpMethod.Get, path, "bytes=100-199"))
        {
            Assert.Equal(HttpStatusCode.PartialContent, middle.StatusCode);
            Assert.Equal("bytes 100-199/10000", middle.Content.Headers.ContentRange!.ToString());
            Assert.Equal(bytes[100..200], await middle.Content.ReadAsByteArrayAsync());
        }
        using (var tail = await Send(HttpMethod.Get, path, "bytes=9990-"))
            Assert.Equal(bytes[9990..], await tail.Content.ReadAsByteArrayAsync());
        using (var beyond = await Send(HttpMethod.Get, path, "bytes=10000-"))
        {
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, beyond.StatusCode);
            Assert.Equal("bytes */10000", beyond.Content.Headers.ContentRange!.ToString());
            Assert.Empty(await beyond.Content.ReadAsByteArrayAsync());
        }
        using (var malformed = await Send(HttpMethod.Get, PeerProtocol.BlobsPrefix + "sha256:not-a-digest"))
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        using (var post = await Send(HttpMethod.Post, path))
            Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }
}
