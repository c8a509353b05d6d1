using System.Text.Json.Nodes;
using PullCluster.Core.Formats;
using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.EndToEnd;

/// <summary>
/// Pulls through a fault-injecting proxy or of images that lie: transient faults are retried (resuming blobs),
/// everything else fails the pull with a reason naming what failed, leaves nothing unverified in the store, and
/// leaves the node able to pull.
/// </summary>
public sealed class FaultSpecs(RegistryFixture fixture, ITestOutputHelper output)
    : EndToEndKit(fixture, output), IClassFixture<RegistryFixture>, IAsyncLifetime
{
    private FaultProxy _proxy = null!;

    public Task InitializeAsync()
    {
        _proxy = FaultProxy.Start(Registry);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    private static TestLayer RandomLayer(int bytes, int seed, LayerCompression compression = LayerCompression.Gzip) =>
        TestLayer.Build(l => l.File("data", Payload.Random(bytes, seed)), compression);

    private static TestImage TwoLayers(int seed) => TestImage.Oci()
        .Layer(RandomLayer(50_000, seed))
        .Layer(RandomLayer(300_000, seed + 1, LayerCompression.None))
        .Build();

    private async Task<string> PushAsync(TestImage image, string name)
    {
        var repo = RepoName.Unique(name);
        await image.PushAsync(Registry, repo, "1");
        return repo;
    }

    private void AssertNothingStoredFor(TestImage image, int layer)
    {
        var digest = image.Layers[layer].Digest;
        Assert.False(File.Exists(Node.Services.Content.PathOf(digest)), $"blob {digest} is in the store");
        var chain = ChainIds.Compute(image.Layers.Select(l => l.DiffId).ToList())[layer];
        Assert.DoesNotContain(chain, Node.CommittedLayers);
    }

    [Fact]
    public async Task Server_errors_are_retried_until_the_blob_arrives()
    {
        var image = TwoLayers(1);
        var repo = await PushAsync(image, "errors");
        var layer = image.Layers[1].Digest.ToString();
        var rule = _proxy.Inject(Fault.InternalServerError(), pathContains: layer, method: "GET", times: 2);

        var result = (await PullAsync(_proxy.Reference(repo, "1"))).Succeeded;

        Assert.Equal(2, rule.Hits);
        Assert.Equal([500, 500, 200], _proxy.RequestsFor(layer, "GET").Select(r => r.Status));
        Assert.Equal(image.Config.Size + image.Layers.Sum(l => l.Size), result.BytesFetched);
        Assert.Equal(image.Layers[1].Blob, File.ReadAllBytes(Node.Services.Content.PathOf(image.Layers[1].Digest)));
        await AssertNodeStillPullsAsync();
    }

    [Fact]
    public async Task Too_many_requests_waits_for_retry_after()
    {
        var image = TwoLayers(3);
        var repo = await PushAsync(image, "throttled");
        _proxy.Inject(Fault.TooManyRequests(retryAfterSeconds: 1), pathContains: "/manifests/1", method: "GET");

        var result = (await PullAsync(_proxy.Reference(repo, "1"))).Succeeded;

        var manifestGets = _proxy.RequestsFor("/manifests/1", "GET");
        Assert.Equal([429, 200], manifestGets.Select(r => r.Status));
        Assert.True(manifestGets[1].ReceivedAt - manifestGets[0].ReceivedAt >= TimeSpan.FromSeconds(0.95),
            $"retried after {manifestGets[1].ReceivedAt - manifestGets[0].ReceivedAt}, Retry-After said 1 s");
        Assert.True(result.Elapsed >= TimeSpan.FromSeconds(0.95), $"the pull took {result.Elapsed}");
        await AssertNodeStillPullsAsync();
    }

    [Fact]
    public async Task A_connection_cut_mid_blob_resumes_with_a_range_request()
    {
        const long CutAt = 100_000;
        var image = TwoLayers(5);
        var repo = await PushAsync(image, "cut");
        var layer = image.Layers[1];
        _proxy.Inject(Fault.CutAfter(CutAt), pathContains: layer.Digest.ToString(), method: "GET");
        var mark = Registry.AccessLog.Mark();

        var result = (await PullAsync(_proxy.Reference(repo, "1"))).Succeeded;

        var gets = _proxy.RequestsFor(layer.Digest.ToString(), "GET");
        Assert.Equal(2, gets.Count);
        Assert.True(gets[0].Aborted);
        Assert.Null(gets[0].Range);
        // Bytes the proxy had not yet handed to the kernel when it reset the connection are lost, so the resume
        // point is at most the cut.
        var range = gets[1].Range ?? throw new Xunit.Sdk.XunitException("the retry carried no Range header");
        Assert.Matches(@"^bytes=\d+-$", range);
        var resumedAt = long.Parse(range["bytes=".Length..^1]);
        Assert.InRange(resumedAt, 1, CutAt);
        Assert.Equal(206, gets[1].Status);
        await Registry.AccessLog.WaitForQuietAsync();
        Assert.Contains(Registry.AccessLog.BlobGets(mark), e => e.Digest == layer.Digest && e.Status == 206 && e.Bytes == layer.Size - resumedAt);
        Assert.Equal(layer.Blob, File.ReadAllBytes(Node.Services.Content.PathOf(layer.Digest)));
        Assert.Equal(image.Config.Size + image.Layers.Sum(l => l.Size), result.BytesFetched);
        await AssertNodeStillPullsAsync();
    }

    [Fact]
    public async Task A_blob_that_keeps_breaking_fails_the_pull_and_the_next_pull_resumes_it()
    {
        const long Slice = 40_000;
        var image = TwoLayers(19);
        var repo = await PushAsync(image, "resume");
        var layer = image.Layers[1];
        var cuts = _proxy.Inject(Fault.CutAfter(Slice), pathContains: layer.Digest.ToString(), method: "GET", times: FaultRule.Always);

        var failed = (await PullAsync(_proxy.Reference(repo, "1"))).Failed;

        Assert.Contains(layer.Digest.ToString(), failed.Reason);
        Assert.Contains("after 5 attempts", failed.Reason);
        Assert.Equal(5, cuts.Hits);
        var kept = new FileInfo(Node.Layout.IngestPath(layer.Digest)).Length;
        Assert.InRange(kept, 1, 5 * Slice);
        _proxy.Remove(cuts);
        _proxy.ClearRequests();

        var result = (await PullAsync(_proxy.Reference(repo, "1"))).Succeeded;

        Assert.Equal($"bytes={kept}-", _proxy.RequestsFor(layer.Digest.ToString(), "GET").Single().Range);
        Assert.Equal(layer.Blob, File.ReadAllBytes(Node.Services.Content.PathOf(layer.Digest)));
        Assert.Equal(layer.Size - kept, result.BytesFetched);
        Assert.Equal(image.Config.Size + image.Layers[0].Size + kept, result.BytesReused);
        Assert.False(File.Exists(Node.Layout.IngestPath(layer.Digest)));
    }

    [Fact]
    public async Task A_corrupted_byte_fails_the_pull_and_keeps_nothing_of_the_blob()
    {
        var image = TwoLayers(7);
        var repo = await PushAsync(image, "corrupt");
        var layer = image.Layers[1].Digest.ToString();
        _proxy.Inject(Fault.CorruptByteAt(1000), pathContains: layer, method: "GET", times: FaultRule.Always);

        var failed = (await PullAsync(_proxy.Reference(repo, "1"))).Failed;

        Assert.Contains(layer, failed.Reason);
        Assert.Contains("digest mismatch", failed.Reason);
        AssertNothingStoredFor(image, 1);
        // Bytes that failed verification are not kept for a resumed download: resuming would rebuild the same blob.
        Assert.False(File.Exists(Node.Layout.IngestPath(image.Layers[1].Digest)), "the corrupt bytes are kept in ingest/");
        await EventuallyAsync(() => Node.StagingEntries.Count == 0, "staging is empty");
        _proxy.ClearFaults();
        await AssertNodeStillPullsAsync();
    }

    [Theory]
    [InlineData(+10)]
    [InlineData(-10)]
    public async Task A_manifest_lying_about_a_layer_size_fails_the_pull(int lie)
    {
        var honest = TwoLayers(9);
        var image = TestImage.Oci().Layers(honest.Layers).OverrideLayerDescriptor(1, size: honest.Layers[1].Size + lie).Build();
        var repo = await PushAsync(image, "size-lie");

        var failed = (await PullAsync(Registry.Reference(repo, "1"))).Failed;

        Assert.Contains(image.Layers[1].Digest.ToString(), failed.Reason);
        Assert.Contains("size mismatch", failed.Reason);
        Assert.Contains((image.Layers[1].Size + lie).ToString(), failed.Reason);
        AssertNothingStoredFor(image, 1);
        await AssertNodeStillPullsAsync();
    }

    [Fact]
    public async Task A_registry_demanding_credentials_the_node_lacks_fails_with_401()
    {
        await using var secured = await RegistryProcess.StartAsync(new RegistryOptions
        {
            BasicAuth = new RegistryCredentials("puller", "s3cret"),
            Label = "registry-auth",
        });
        var image = TwoLayers(11);
        var repo = RepoName.Unique("private");
        await image.PushAsync(secured, repo, "1");

        var failed = (await PullAsync(secured.Reference(repo, "1"))).Failed;

        Assert.Contains("401", failed.Reason);
        Assert.Contains(secured.Address, failed.Reason);
        Assert.Contains("no credentials", failed.Reason);
        Assert.Empty(Node.StoredBlobs);
        await AssertNodeStillPullsAsync();
    }

    [Fact]
    public async Task An_unknown_layer_media_type_fails_the_pull_before_any_blob_is_fetched()
    {
        const string Unknown = "application/vnd.example.layer.v1.tar+lz4";
        var image = TestImage.Oci().Layers(TwoLayers(13).Layers).OverrideLayerDescriptor(1, mediaType: Unknown).Build();
        var repo = await PushAsync(image, "media-type");
        var mark = Registry.AccessLog.Mark();

        var failed = (await PullAsync(Registry.Reference(repo, "1"))).Failed;

        Assert.Contains(Unknown, failed.Reason);
        Assert.Contains(repo, failed.Reason);
        await Registry.AccessLog.WaitForQuietAsync();
        Assert.Empty(Registry.AccessLog.BlobGets(mark));
        Assert.Empty(Node.CommittedLayers);
        await AssertNodeStillPullsAsync();
    }

    [Fact]
    public async Task A_missing_tag_fails_the_pull_naming_the_image_and_404()
    {
        var repo = await PushAsync(TwoLayers(15), "missing-tag");

        var failed = (await PullAsync(Registry.Reference(repo, "absent"))).Failed;

        Assert.Contains($"{Registry.Address}/{repo}", failed.Reason);
        Assert.Contains("absent", failed.Reason);
        Assert.Contains("404", failed.Reason);
        Assert.Contains("MANIFEST_UNKNOWN", failed.Reason);
        Assert.Empty(Node.StoredBlobs);
        await AssertNodeStillPullsAsync();
    }

    [Fact]
    public async Task A_config_whose_diff_id_does_not_match_the_layer_fails_and_commits_nothing_for_it()
    {
        var liar = Digest.Sha256("not the layer"u8.ToArray());
        var image = TestImage.Oci()
            .Layers(TwoLayers(17).Layers)
            .EditConfig(c => c["rootfs"]!["diff_ids"]![1] = JsonValue.Create(liar.ToString()))
            .Build();
        var repo = await PushAsync(image, "diff-id");
        var claimed = ChainIds.Compute([image.Layers[0].DiffId, liar]);

        var failed = (await PullAsync(Registry.Reference(repo, "1"))).Failed;

        Assert.Contains("diff id mismatch", failed.Reason);
        Assert.Contains(image.Layers[1].Digest.ToString(), failed.Reason);
        Assert.Contains(liar.ToString(), failed.Reason);
        Assert.Contains(image.Layers[1].DiffId.ToString(), failed.Reason);
        await EventuallyAsync(() => Node.StagingEntries.Count == 0, "the failed unpack is removed from staging");
        Assert.DoesNotContain(claimed[1], Node.CommittedLayers);
        Assert.DoesNotContain(ChainIds.Compute(image.Layers.Select(l => l.DiffId).ToList())[1], Node.CommittedLayers);
        await AssertNodeStillPullsAsync();
    }

    [Fact]
    public async Task An_index_without_the_requested_platform_fails_naming_it_and_what_is_offered()
    {
        var amd = TestImage.Oci("linux/amd64").Layer(l => l.File("arch", "amd64")).Build();
        var arm = TestImage.Oci("linux/arm64").Layer(l => l.File("arch", "arm64")).Build();
        var repo = RepoName.Unique("platforms");
        await TestIndex.Oci(amd, arm).PushAsync(Registry, repo, "1");
        var mark = Registry.AccessLog.Mark();

        var failed = (await PullAsync(Registry.Reference(repo, "1"), "linux/s390x")).Failed;

        Assert.Contains("linux/s390x", failed.Reason);
        Assert.Contains("linux/amd64", failed.Reason);
        Assert.Contains("linux/arm64", failed.Reason);
        await Registry.AccessLog.WaitForQuietAsync();
        Assert.Empty(Registry.AccessLog.BlobGets(mark));
        await AssertNodeStillPullsAsync();
    }

    [Theory]
    [InlineData("UPPER/case:1")]
    [InlineData("registry.example/repo:bad tag")]
    public async Task An_invalid_reference_fails_at_once_naming_it(string reference)
    {
        var failed = (await PullAsync(reference)).Failed;

        Assert.Equal(reference, failed.Image);
        Assert.Contains(reference.Split(':')[0].Split('/')[^1], failed.Reason);
    }
}
