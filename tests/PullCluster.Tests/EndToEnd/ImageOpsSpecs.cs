using System.Security.Cryptography;
using System.Text.Json.Nodes;
using PullCluster.Actors.Protocol;
using PullCluster.Core.Formats;
using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.EndToEnd;

/// <summary>What can be done with pulled images: list, export as an OCI layout, materialize, remove.</summary>
public sealed class ImageOpsSpecs(RegistryFixture fixture, ITestOutputHelper output) : EndToEndKit(fixture, output), IClassFixture<RegistryFixture>
{
    private static readonly TestLayer Base1 = TestLayer.Build(l => l
        .Dir("etc").File("etc/os-release", "ID=pullcluster\n").Symlink("etc/localtime", "/usr/share/zoneinfo/UTC"));

    private static readonly TestLayer Base2 = TestLayer.Build(l => l
        .Dir("usr").Dir("usr/bin").File("usr/bin/tool", "#!/bin/sh\n", mode: "755").Hardlink("usr/bin/tool2", "usr/bin/tool"));

    private static TestImage App(string name) => TestImage.Oci()
        .Layer(Base1)
        .Layer(Base2)
        .Layer(l => l.Dir("app").File($"app/{name}", name).Whiteout("etc/localtime"))
        .Build();

    private static long BlobBytes(TestImage image) => image.Config.Size + image.Layers.Sum(l => l.Size);

    private static IReadOnlyList<Digest> ChainOf(TestImage image) => ChainIds.Compute(image.Layers.Select(l => l.DiffId).ToList());

    [Fact]
    public async Task ListImages_shows_every_pulled_image()
    {
        var first = App("first");
        var second = TestImage.Docker().Layer(Base1).Build();
        var repo = RepoName.Unique("list");
        var firstRef = (await first.PushAsync(Registry, repo, "first")).TagReference;
        var secondRef = (await second.PushAsync(Registry, repo, "second")).TagReference;
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        _ = (await PullAsync(firstRef)).Succeeded;
        _ = (await PullAsync(secondRef)).Succeeded;
        var list = Assert.IsType<ImageList>(await AskNodeAsync(new ListImages()));

        Assert.Equal(
            [
                (firstRef, first.Digest.ToString(), "linux/amd64", BlobBytes(first), 3),
                (secondRef, second.Digest.ToString(), "linux/amd64", BlobBytes(second), 1),
            ],
            list.Images.Select(i => (i.Image, i.ManifestDigest, i.Platform, i.Size, i.Layers)));
        Assert.All(list.Images, i => Assert.InRange(i.Pulled, before, DateTimeOffset.UtcNow.AddSeconds(1)));
    }

    [Fact]
    public async Task ExportImage_writes_the_original_blobs_as_an_oci_layout_umoci_unpacks_like_the_rootfs()
    {
        var image = App("export");
        var pushed = await image.PushAsync(Registry, RepoName.Unique("export"), "v1");
        _ = (await PullAsync(pushed.TagReference)).Succeeded;
        var layout = Node.Scratch("export");

        await ImageOperationAsync(new ExportImage(pushed.TagReference, layout));

        var blobs = Directory.GetFiles(Path.Combine(layout, "blobs", "sha256"));
        Assert.All(blobs, b => Assert.Equal(Path.GetFileName(b), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(b)))));
        var expected = image.Layers.Select(l => l.Digest).Append(image.Config.Digest).Append(image.Digest).Select(d => d.Hex).Order();
        Assert.Equal(expected, blobs.Select(Path.GetFileName).Order());
        Assert.Equal(image.Manifest.Bytes, File.ReadAllBytes(Path.Combine(layout, "blobs", "sha256", image.Digest.Hex)));
        var entry = JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!["manifests"]!.AsArray().Single()!;
        Assert.Equal((image.Digest.ToString(), image.Manifest.Size), (entry["digest"]!.GetValue<string>(), entry["size"]!.GetValue<long>()));
        Assert.Equal("v1", entry["annotations"]!["org.opencontainers.image.ref.name"]!.GetValue<string>());

        var unpacked = await Umoci.UnpackAsync(layout, "v1", Node.Scratch("bundle"));
        AssertSameTree(unpacked, await MaterializeAsync(pushed.TagReference));
    }

    [Fact]
    public async Task RemoveImage_prunes_what_no_other_image_uses_and_keeps_shared_layers()
    {
        var doomed = App("doomed");
        var kept = App("kept");
        var repo = RepoName.Unique("remove");
        var doomedRef = (await doomed.PushAsync(Registry, repo, "doomed")).TagReference;
        var keptRef = (await kept.PushAsync(Registry, repo, "kept")).TagReference;
        _ = (await PullAsync(doomedRef)).Succeeded;
        _ = (await PullAsync(keptRef)).Succeeded;
        Assert.Equal(4, Node.CommittedLayers.Count);

        var done = await ImageOperationAsync(new RemoveImage(doomedRef));

        Assert.Equal(doomedRef, done.Image);
        var list = Assert.IsType<ImageList>(await AskNodeAsync(new ListImages()));
        Assert.Equal([keptRef], list.Images.Select(i => i.Image));
        var doomedChain = ChainOf(doomed);
        var keptChain = ChainOf(kept);
        Assert.Equal(keptChain.Select(c => c.ToString()).Order(), Node.CommittedLayers.Select(c => c.ToString()).Order());
        Assert.False(Directory.Exists(Node.Layout.LayerPath(doomedChain[2])), "the removed image's own layer is still unpacked");
        var blobs = Node.StoredBlobs.Select(d => d.ToString()).ToHashSet();
        Assert.DoesNotContain(doomed.Layers[2].Digest.ToString(), blobs);
        Assert.DoesNotContain(doomed.Config.Digest.ToString(), blobs);
        Assert.DoesNotContain(doomed.Digest.ToString(), blobs);
        Assert.Superset(kept.Layers.Select(l => l.Digest).Append(kept.Config.Digest).Append(kept.Digest).Select(d => d.ToString()).ToHashSet(), blobs);
        AssertSameTree(await UmociRootfsAsync(kept), await MaterializeAsync(keptRef));

        var again = Assert.IsType<ImageOperationFailed>(await AskNodeAsync(new RemoveImage(doomedRef)));
        Assert.Contains(doomedRef, again.Reason);
        Assert.Contains("not in the store", again.Reason);
    }

    [Fact]
    public async Task MaterializeRootfs_refuses_a_non_empty_directory_and_an_unknown_image()
    {
        var image = App("rootfs");
        var pushed = await image.PushAsync(Registry, RepoName.Unique("rootfs"), "1");
        _ = (await PullAsync(pushed.TagReference)).Succeeded;
        var occupied = Node.Scratch("occupied");
        Directory.CreateDirectory(occupied);
        File.WriteAllText(Path.Combine(occupied, "keep-me"), "mine");

        var busy = Assert.IsType<ImageOperationFailed>(await AskNodeAsync(new MaterializeRootfs(pushed.TagReference, occupied)));
        var unknownRef = Registry.Reference("never-pulled", "1");
        var unknown = Assert.IsType<ImageOperationFailed>(await AskNodeAsync(new MaterializeRootfs(unknownRef, Node.Scratch("none"))));

        Assert.Contains(occupied, busy.Reason);
        Assert.Contains("not empty", busy.Reason);
        Assert.Equal(["keep-me"], Directory.GetFileSystemEntries(occupied).Select(Path.GetFileName));
        Assert.Contains(unknownRef, unknown.Reason);
    }

    [Fact]
    public async Task ExportImage_has_every_blob_of_an_image_whose_layers_were_already_unpacked_from_another()
    {
        // Same tars, other compression: the same diff ids and chain ids, different layer blobs.
        var gzip = TestImage.Oci().Layer(Base1).Layer(Base2).Build();
        var zstd = TestImage.Oci()
            .Layer(TestLayer.FromTar(Base1.Tar!, LayerCompression.Zstd))
            .Layer(TestLayer.FromTar(Base2.Tar!, LayerCompression.Zstd))
            .Build();
        Assert.Equal(ChainOf(gzip), ChainOf(zstd));
        var repo = RepoName.Unique("twins");
        var gzipRef = (await gzip.PushAsync(Registry, repo, "gzip")).TagReference;
        var zstdRef = (await zstd.PushAsync(Registry, repo, "zstd")).TagReference;
        _ = (await PullAsync(gzipRef)).Succeeded;
        _ = (await PullAsync(zstdRef)).Succeeded;
        var layout = Node.Scratch("export");

        var exported = await AskNodeAsync(new ExportImage(zstdRef, layout));

        Assert.True(exported is ImageOperationDone, $"exporting {zstdRef} answered {exported}");
        foreach (var layer in zstd.Layers)
            Assert.Equal(layer.Blob, File.ReadAllBytes(Path.Combine(layout, "blobs", "sha256", layer.Digest.Hex)));
    }

    [Fact]
    public async Task An_image_without_layers_pulls_and_materializes_as_an_empty_rootfs()
    {
        var empty = TestImage.Oci().Build();
        var pushed = await empty.PushAsync(Registry, RepoName.Unique("empty"), "1");

        var result = (await PullAsync(pushed.TagReference)).Succeeded;
        var rootfs = await MaterializeAsync(pushed.TagReference);

        Assert.Empty(result.ChainIds);
        Assert.Equal(empty.Config.Size, result.BytesFetched);
        Assert.Empty(Directory.GetFileSystemEntries(rootfs));
        Assert.Contains(pushed.TagReference, Assert.IsType<ImageList>(await AskNodeAsync(new ListImages())).Images.Select(i => i.Image));
    }
}
