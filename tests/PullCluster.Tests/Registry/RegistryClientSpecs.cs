using PullCluster.Core.Formats;
using PullCluster.Core.Registry;
using PullCluster.Tests.Infrastructure;
using Xunit;
using RegistryOptions = PullCluster.Core.Registry.RegistryOptions;

namespace PullCluster.Tests.Registry;

public sealed class AnonymousRegistryFixture : IAsyncLifetime
{
    public AnonymousRegistryFixture() => Image = TestImage.Oci().Layer(RawLayer(BigLayer)).Layer(RawLayer(SmallLayer)).Build();

    public RegistryProcess Registry { get; private set; } = null!;
    public TestImage Image { get; }
    public byte[] BigLayer { get; } = RandomBytes(3 * 1024 * 1024 + 17, seed: 1);
    public byte[] SmallLayer { get; } = RandomBytes(1000, seed: 2);

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A layer blob that is exactly <paramref name="blob"/>: the client moves bytes and never unpacks them.</summary>
    public static TestLayer RawLayer(byte[] blob) => TestLayer.FromBlob(blob, LayerCompression.Gzip, Digest.Sha256(blob));

    public async Task InitializeAsync()
    {
        Registry = await RegistryProcess.StartAsync(new Infrastructure.RegistryOptions { Label = "registry-client" });
        await Image.PushAsync(Registry, "specs/base", "1");
    }

    public async Task DisposeAsync() => await Registry.DisposeAsync();
}

public sealed class RegistryClientSpecs(AnonymousRegistryFixture fixture) : IClassFixture<AnonymousRegistryFixture>
{
    private readonly RegistryProcess _registry = fixture.Registry;

    private ImageReference Base => ImageReference.Parse($"{_registry.Address}/specs/base:1");

    private static RegistryClient Client(Action<RegistryOptions>? configure = null)
    {
        var options = new RegistryOptions { ReadCredentialFiles = false, InitialBackoff = TimeSpan.FromMilliseconds(10) };
        configure?.Invoke(options);
        return new RegistryClient(options);
    }

    [Fact]
    public async Task Fetches_a_manifest_by_tag_with_its_digest_and_media_type()
    {
        using var client = Client();
        var fetched = await client.GetManifestAsync(Base, "1", CancellationToken.None);

        Assert.Equal(fixture.Image.Digest, fetched.Digest);
        Assert.Equal(MediaTypes.OciManifest, fetched.MediaType);
        Assert.Equal(fixture.Image.Manifest.Bytes, fetched.Bytes);
        var manifest = Assert.IsType<ImageManifest>(ManifestParser.Parse(fetched.Bytes, fetched.MediaType));
        Assert.Equal(fixture.Image.LayerDescriptors, manifest.Layers);
    }

    [Fact]
    public async Task Fetches_a_manifest_by_digest()
    {
        using var client = Client();
        var image = Base.WithDigest(fixture.Image.Digest);
        var fetched = await client.GetManifestAsync(image, image.Reference, CancellationToken.None);

        Assert.Equal(fixture.Image.Digest, fetched.Digest);
        Assert.Equal(fixture.Image.Manifest.Bytes, fetched.Bytes);
    }

    [Fact]
    public async Task Fetches_an_index_and_a_docker_schema2_manifest_with_their_media_types()
    {
        var docker = TestImage.Docker().Layers(fixture.Image.Layers).Build();
        var dockerDigest = (await docker.PushAsync(_registry, "specs/base", "docker")).ManifestDigest;
        await TestIndex.Oci(fixture.Image).PushAsync(_registry, "specs/base", "multi");
        using var client = Client();

        var fetchedDocker = await client.GetManifestAsync(Base, "docker", CancellationToken.None);
        var fetchedIndex = await client.GetManifestAsync(Base, "multi", CancellationToken.None);

        Assert.Equal(MediaTypes.DockerManifest, fetchedDocker.MediaType);
        Assert.Equal(dockerDigest, fetchedDocker.Digest);
        Assert.Equal(MediaTypes.OciIndex, fetchedIndex.MediaType);
        var parsed = Assert.IsType<ImageIndex>(ManifestParser.Parse(fetchedIndex.Bytes, fetchedIndex.MediaType));
        Assert.Equal(fixture.Image.Digest, parsed.SelectPlatform(Platform.Parse("linux/amd64")).Digest);
    }

    [Fact]
    public async Task An_unknown_manifest_names_the_image_reference_and_status()
    {
        using var client = Client();
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(Base, "nope", CancellationToken.None));

        Assert.Equal(404, e.StatusCode);
        Assert.False(e.IsTransient);
        Assert.Equal(_registry.Address, e.Registry);
        Assert.Equal("specs/base", e.Repository);
        Assert.StartsWith($"{_registry.Address}/specs/base: manifest nope: HTTP 404 Not Found", e.Message);
        Assert.Contains("MANIFEST_UNKNOWN", e.Message);
    }

    [Fact]
    public async Task A_manifest_digest_the_registry_does_not_hold_is_a_404_naming_the_digest()
    {
        using var client = Client();
        var absent = Digest.Sha256("something else"u8);
        var e = await Assert.ThrowsAsync<RegistryException>(() =>
            client.GetManifestAsync(Base.WithDigest(absent), absent.ToString(), CancellationToken.None));

        Assert.Equal(404, e.StatusCode);
        Assert.Equal(absent.ToString(), e.Digest);
        Assert.Contains($"manifest {absent}", e.Message);
    }

    [Fact]
    public async Task Fetches_a_whole_blob_and_reports_progress()
    {
        using var client = Client();
        var sink = new RecordingBlobSink();
        long reported = 0;
        await client.FetchBlobAsync(Base, fixture.Image.LayerDescriptors[0], sink, n => Interlocked.Add(ref reported, n), CancellationToken.None);

        Assert.Equal(fixture.BigLayer, sink.Bytes);
        Assert.Equal(fixture.BigLayer.Length, reported);
        Assert.Equal(0, sink.Resets);
    }

    [Fact]
    public async Task Resumes_a_blob_from_the_sink_offset_with_a_range_request()
    {
        using var client = Client();
        const int held = 1_000_003;
        var sink = new RecordingBlobSink(fixture.BigLayer[..held]);
        long reported = 0;
        await client.FetchBlobAsync(Base, fixture.Image.LayerDescriptors[0], sink, n => reported += n, CancellationToken.None);

        Assert.Equal(fixture.BigLayer, sink.Bytes);
        Assert.Equal(fixture.BigLayer.Length - held, reported);
        Assert.Equal(0, sink.Resets);
    }

    [Fact]
    public async Task A_sink_already_holding_the_whole_blob_needs_no_request()
    {
        await using var proxy = FaultProxy.Start(_registry);
        using var client = Client();
        var sink = new RecordingBlobSink(fixture.SmallLayer);
        await client.FetchBlobAsync(ImageReference.Parse($"{proxy.Address}/specs/base:1"), fixture.Image.LayerDescriptors[1], sink, null, CancellationToken.None);

        Assert.Empty(proxy.Requests);
        Assert.Equal(fixture.SmallLayer, sink.Bytes);
    }

    [Fact]
    public async Task A_registry_blob_longer_than_the_descriptor_says_is_a_size_mismatch_and_nothing_past_the_size_is_written()
    {
        using var client = Client();
        var sink = new RecordingBlobSink();
        var shorter = fixture.Image.LayerDescriptors[0] with { Size = 500_000 };
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.FetchBlobAsync(Base, shorter, sink, null, CancellationToken.None));

        Assert.Contains("size mismatch", e.Message);
        Assert.False(e.IsTransient);
        Assert.Equal(fixture.Image.LayerDescriptors[0].Digest.ToString(), e.Digest);
        Assert.True(sink.Offset <= shorter.Size);
    }

    [Fact]
    public async Task A_sink_holding_more_than_the_blob_size_is_a_size_mismatch()
    {
        using var client = Client();
        var sink = new RecordingBlobSink(new byte[fixture.SmallLayer.Length + 1]);
        var e = await Assert.ThrowsAsync<RegistryException>(() =>
            client.FetchBlobAsync(Base, fixture.Image.LayerDescriptors[1], sink, null, CancellationToken.None));

        Assert.Contains("size mismatch", e.Message);
        Assert.False(e.IsTransient);
    }

    [Fact]
    public async Task An_unknown_blob_names_its_digest_and_is_not_retried()
    {
        await using var proxy = FaultProxy.Start(_registry);
        using var client = Client();
        var missing = new Descriptor(MediaTypes.OciLayerGzip, Digest.Sha256("missing"u8), 7);
        var e = await Assert.ThrowsAsync<RegistryException>(() =>
            client.FetchBlobAsync(ImageReference.Parse($"{proxy.Address}/specs/base:1"), missing, new RecordingBlobSink(), null, CancellationToken.None));

        Assert.Equal(404, e.StatusCode);
        Assert.StartsWith($"{proxy.Address}/specs/base: blob {missing.Digest}: HTTP 404 Not Found", e.Message);
        Assert.Single(proxy.Requests, r => r.Path.Contains("/blobs/"));
    }

    [Fact]
    public async Task Many_concurrent_fetches_through_one_client_all_get_the_right_bytes()
    {
        using var client = Client(o => o.MaxConnectionsPerHost = 4);
        var sinks = Enumerable.Range(0, 12).Select(_ => new RecordingBlobSink()).ToList();
        await Task.WhenAll(sinks.Select((sink, i) =>
            client.FetchBlobAsync(Base, fixture.Image.LayerDescriptors[i % 2], sink, null, CancellationToken.None)));

        for (var i = 0; i < sinks.Count; i++)
            Assert.Equal(i % 2 == 0 ? fixture.BigLayer : fixture.SmallLayer, sinks[i].Bytes);
    }

    [Fact]
    public async Task A_registry_that_is_not_there_fails_transiently_after_the_configured_attempts()
    {
        using var client = Client(o => o.MaxAttempts = 3);
        var nowhere = ImageReference.Parse($"127.0.0.1:{FreePort.Next()}/specs/base:1");
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(nowhere, "1", CancellationToken.None));

        Assert.True(e.IsTransient);
        Assert.Null(e.StatusCode);
        Assert.EndsWith("after 3 attempts", e.Message);
        Assert.StartsWith($"{nowhere.Name}: manifest 1: ", e.Message);
    }

    [Fact]
    public async Task Cancellation_is_not_retried()
    {
        using var client = Client();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            client.FetchBlobAsync(Base, fixture.Image.LayerDescriptors[0], new RecordingBlobSink(), null, cts.Token));
    }
}
