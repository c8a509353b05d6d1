using System.Text.Json.Nodes;
using PullCluster.Core.Formats;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.InfrastructureSpecs;

public class PushSpecs(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private readonly RegistryProcess _registry = fixture.Registry;

    [Fact]
    public async Task Pushed_oci_image_reads_back_byte_for_byte()
    {
        var image = TestImage.Oci()
            .Layer(l => l.Dir("etc").File("etc/os-release", "ID=test\n"))
            .Layer(l => l.File("app/run", "#!/bin/sh\necho hi\n", mode: "755"), LayerCompression.Zstd)
            .Build();
        var repo = RepoName.Unique("library/app");
        using var client = _registry.CreateClient();

        var pushed = await image.PushAsync(_registry, repo, "1.0");

        var (type, digest, bytes) = await RegistryReads.GetManifestAsync(client, repo, "1.0", MediaTypes.ManifestAccept);
        Assert.Equal(MediaTypes.OciManifest, type);
        Assert.Equal(image.Digest.ToString(), digest);
        Assert.Equal(image.Manifest.Bytes, bytes);
        Assert.Equal(image.Config.Bytes, await RegistryReads.GetBlobAsync(client, repo, image.Config.Digest));
        foreach (var layer in image.Layers)
        {
            var blob = await RegistryReads.GetBlobAsync(client, repo, layer.Digest);
            Assert.Equal(layer.Blob, blob);
            Assert.Equal(layer.DiffId, Digest.Sha256(LayerCompressor.Decompress(blob, layer.Compression)));
        }
        Assert.Equal(image.Digest, pushed.ManifestDigest);
        Assert.Equal($"{_registry.Address}/{repo}:1.0", pushed.TagReference);
        Assert.Equal($"{_registry.Address}/{repo}@{image.Digest}", pushed.DigestReference);
        Assert.Equal(3, pushed.Blobs.Count);
    }

    [Fact]
    public async Task Docker_image_is_served_as_schema2()
    {
        var image = TestImage.Docker().Layer(l => l.File("docker", "yes")).Build();
        var repo = RepoName.Unique("docker");
        using var client = _registry.CreateClient();

        await image.PushAsync(_registry, repo, "latest");

        var (type, digest, _) = await RegistryReads.GetManifestAsync(client, repo, "latest", MediaTypes.DockerManifest);
        Assert.Equal(MediaTypes.DockerManifest, type);
        Assert.Equal(image.Digest.ToString(), digest);
    }

    [Theory]
    [InlineData(ImageFlavor.Oci)]
    [InlineData(ImageFlavor.Docker)]
    public async Task Index_and_its_platform_manifests_read_back(ImageFlavor flavor)
    {
        TestImageBuilder Start(string platform) => flavor == ImageFlavor.Oci ? TestImage.Oci(platform) : TestImage.Docker(platform);
        var shared = TestLayer.Build(l => l.File("shared", "both platforms"));
        var amd = Start("linux/amd64").Layer(shared).Layer(l => l.File("arch", "amd64")).Build();
        var arm = Start("linux/arm64").Layer(shared).Layer(l => l.File("arch", "arm64")).Build();
        var index = flavor == ImageFlavor.Oci ? TestIndex.Oci(amd, arm) : TestIndex.DockerManifestList(amd, arm);
        var repo = RepoName.Unique("multi");
        using var client = _registry.CreateClient();

        var pushed = await index.PushAsync(_registry, repo, "1");

        var (type, digest, bytes) = await RegistryReads.GetManifestAsync(client, repo, "1", MediaTypes.ManifestAccept);
        Assert.Equal(index.Manifest.MediaType, type);
        Assert.Equal(index.Digest.ToString(), digest);
        Assert.Equal(index.Manifest.Bytes, bytes);
        var arm64 = await RegistryReads.GetManifestAsync(client, repo, arm.Digest.ToString(), MediaTypes.ManifestAccept);
        Assert.Equal(arm.Manifest.Bytes, arm64.Bytes);
        Assert.Equal(index.Digest, pushed.ManifestDigest);
        Assert.Single(pushed.Blobs, b => b.Digest == shared.Digest);
        Assert.Equal([amd.Digest, arm.Digest], pushed.ChildManifests.Select(m => m.Digest));
    }

    [Fact]
    public async Task Pushing_again_uploads_nothing()
    {
        var image = TestImage.Oci().Layer(l => l.File("once", "only")).Build();
        var repo = RepoName.Unique("again");
        await image.PushAsync(_registry, repo, "1");
        var mark = _registry.AccessLog.Mark();

        await image.PushAsync(_registry, repo, "2");
        await _registry.AccessLog.WaitForQuietAsync();

        var entries = _registry.AccessLog.Entries(mark);
        Assert.DoesNotContain(entries, e => e.Endpoint == RegistryEndpoint.Upload);
        Assert.Equal(2, entries.Count(e => e is { Method: "HEAD", Endpoint: RegistryEndpoint.Blob, Status: 200 }));
    }

    [Fact]
    public async Task Registry_accepts_a_manifest_that_lies_about_a_layer_size()
    {
        var layer = TestLayer.Build(l => l.File("sized", new byte[4096]));
        var image = TestImage.Oci().Layer(layer).OverrideLayerDescriptor(0, size: layer.Size + 100).Build();
        var repo = RepoName.Unique("size-lie");
        using var client = _registry.CreateClient();

        await image.PushAsync(_registry, repo, "1");

        var (_, _, bytes) = await RegistryReads.GetManifestAsync(client, repo, "1", MediaTypes.OciManifest);
        Assert.Equal(layer.Size + 100, JsonNode.Parse(bytes)!["layers"]![0]!["size"]!.GetValue<long>());
        Assert.Equal(layer.Size, (await RegistryReads.GetBlobAsync(client, repo, layer.Digest)).Length);
    }

    [Fact]
    public async Task Corrupted_stored_layer_is_served_under_its_honest_digest()
    {
        var image = TestImage.Oci()
            .Layer(l => l.File("a", "fine"))
            .Layer(l => l.File("b", new byte[2048]))
            .CorruptStoredLayer(1)
            .Build();
        var repo = RepoName.Unique("corrupt");
        using var client = _registry.CreateClient();

        await image.PushAsync(_registry, repo, "1");

        var good = await RegistryReads.GetBlobAsync(client, repo, image.Layers[0].Digest);
        var bad = await RegistryReads.GetBlobAsync(client, repo, image.Layers[1].Digest);
        Assert.Equal(image.Layers[0].Digest, Digest.Sha256(good));
        Assert.Equal(image.Layers[1].Size, bad.Length);
        Assert.NotEqual(image.Layers[1].Digest, Digest.Sha256(bad));
    }

    [Fact]
    public async Task Large_layer_from_a_system_directory_is_pushed_and_served_whole()
    {
        var big = TestLayer.FromDirectory("/usr/lib/x86_64-linux-gnu", 32 << 20);
        var image = TestImage.Oci().Layer(big).Layer(l => l.File("small", "on top")).Build();
        var repo = RepoName.Unique("big");
        await image.PushAsync(_registry, repo, "1");
        using var client = _registry.CreateClient();
        var mark = _registry.AccessLog.Mark();

        var blob = await RegistryReads.GetBlobAsync(client, repo, big.Digest);
        await _registry.AccessLog.WaitForQuietAsync();

        Assert.InRange(big.UncompressedSize, 30 << 20, 34 << 20);
        Assert.Equal(big.Digest, Digest.Sha256(blob));
        Assert.Equal(big.Size, _registry.AccessLog.ServedBlobBytes(mark));
    }
}
