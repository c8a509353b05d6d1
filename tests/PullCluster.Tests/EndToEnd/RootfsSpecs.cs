using PullCluster.Core.Formats;
using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.EndToEnd;

/// <summary>
/// Pull, then MaterializeRootfs, compared file by file (type, mode, owner, size, content, link target, device,
/// mtime, xattrs, hardlink groups) with what umoci unpacks from the same image written as an OCI layout.
/// </summary>
public sealed class RootfsSpecs(RegistryFixture fixture, ITestOutputHelper output) : EndToEndKit(fixture, output), IClassFixture<RegistryFixture>
{
    private static readonly string LongTarget = "/opt/" + new string('t', 120) + "/target";
    private static readonly string LongName = "srv/" + new string('n', 130) + ".conf";
    private static readonly Dictionary<string, string> Xattrs = new() { ["user.origin"] = "base layer", ["user.kind"] = "config" };

    private static void BaseLayer(LayerBuilder l) => l
        .Dir("etc")
        .File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
        .File("etc/doomed", "deleted by the next layer")
        .File("etc/replaced", "version 1\n", mode: "600")
        .File("etc/app.conf", "key=value\n", xattrs: Xattrs)
        .Dir("home", mode: "755")
        .Dir("home/user", mode: "750", uid: 1000, gid: 1001)
        .File("home/user/notes", "mine", mode: "640", uid: 1000, gid: 1001)
        .Dir("usr")
        .Dir("usr/bin")
        .File("usr/bin/su", "suid binary", mode: "4755")
        .File("usr/bin/wall", "sgid binary", mode: "2755", gid: 5)
        .Hardlink("usr/bin/su-again", "usr/bin/su")
        .Symlink("usr/bin/sh", "/bin/dash")
        .Dir("tmp", mode: "1777")
        .Dir("opt")
        .Dir("opt/old")
        .File("opt/old/file", "hidden by the opaque opt/ above")
        .Symlink("usr/long-link", LongTarget)
        .Dir("srv", xattrs: new Dictionary<string, string> { ["user.dir"] = "on a directory" })
        .File(LongName, "a name longer than 100 characters")
        .Dir("dev")
        .CharDevice("dev/null", 1, 3)
        .Dir("run")
        .Fifo("run/initctl", mode: "600")
        .Dir("lib")
        .Dir("lib/became-a-file")
        .File("lib/became-a-file/inside", "hidden when the directory is replaced by a file")
        .File("lib/became-a-dir", "replaced by a directory");

    private static void MiddleLayer(LayerBuilder l) => l
        .Dir("etc")
        .Whiteout("etc/doomed")
        .File("etc/replaced", "version 2, owned by 1000\n", mode: "644", uid: 1000, gid: 1000)
        .Dir("opt")
        .OpaqueDir("opt")
        .File("opt/new", "written after the opaque marker")
        .Dir("var")
        .Dir("var/log", mode: "2775", gid: 4)
        .File("var/log/messages", "", mode: "640", gid: 4);

    private static void TopLayer(LayerBuilder l) => l
        .Dir("usr")
        .Dir("usr/bin")
        .Whiteout("usr/bin/sh")
        .Symlink("usr/bin/sh", "busybox")
        .File("usr/bin/busybox", "multi-call binary", mode: "755")
        .Hardlink("usr/bin/ls", "usr/bin/busybox")
        .Dir("lib")
        .File("lib/became-a-file", "a file now")
        .Dir("lib/became-a-dir")
        .File("lib/became-a-dir/inside", "a directory now");

    [Fact]
    public async Task A_multi_layer_image_with_every_entry_kind_matches_umoci()
    {
        var image = TestImage.Oci()
            .Layer(BaseLayer)
            .Layer(MiddleLayer)
            .Layer(TopLayer, LayerCompression.None)
            .Build();
        var pushed = await image.PushAsync(Registry, RepoName.Unique("rich"), "1");

        var result = (await PullAsync(pushed.TagReference)).Succeeded;
        var ours = await MaterializeAsync(pushed.TagReference);
        var theirs = await UmociRootfsAsync(image);

        AssertSameTree(theirs, ours);
        Assert.Equal(image.Digest.ToString(), result.ManifestDigest);
        var tree = FileTree.Capture(ours);
        // The comparison above is only as strong as the tree it compares: check that the hard cases are in it.
        Assert.Equal(LongTarget, tree["usr/long-link"].LinkTarget);
        Assert.Equal("file", tree[LongName].Type);
        Assert.Equal(("char", 1u, 3u), (tree["dev/null"].Type, tree["dev/null"].DevMajor, tree["dev/null"].DevMinor));
        Assert.Equal("fifo", tree["run/initctl"].Type);
        Assert.Equal(Convert.ToUInt32("4755", 8), tree["usr/bin/su"].Mode);
        Assert.Equal(Convert.ToUInt32("1777", 8), tree["tmp"].Mode);
        Assert.Equal((1000u, 1001u), (tree["home/user"].Uid, tree["home/user"].Gid));
        Assert.Equal("\"base layer\"", tree["etc/app.conf"].Xattrs["user.origin"]);
        Assert.Contains("usr/bin/su = usr/bin/su-again", tree.HardlinkGroups);
        Assert.Contains("usr/bin/busybox = usr/bin/ls", tree.HardlinkGroups);
        Assert.Equal("busybox", tree["usr/bin/sh"].LinkTarget);
        Assert.Equal(1000u, tree["etc/replaced"].Uid);
        Assert.DoesNotContain("etc/doomed", tree.Nodes.Keys);
        Assert.DoesNotContain("opt/old", tree.Nodes.Keys);
        Assert.DoesNotContain(tree.Nodes.Keys, k => k.Contains(".wh."));
        Assert.Equal(("file", "dir"), (tree["lib/became-a-file"].Type, tree["lib/became-a-dir"].Type));
    }

    [Fact]
    public async Task A_directory_whited_out_and_recreated_in_one_layer_hides_what_lower_layers_put_in_it()
    {
        // The whiteout applies to the lower layers only; the directory after it in the same layer is new and empty
        // but for what this layer puts in it (OCI image spec, "Whiteouts").
        var image = TestImage.Oci()
            .Layer(l => l.Dir("var").Dir("var/cache").Dir("var/cache/apt").File("var/cache/apt/pkg.deb", "stale package"))
            .Layer(l => l.Dir("var").Whiteout("var/cache").Dir("var/cache", mode: "700").File("var/cache/fresh", "recreated"))
            .Build();
        var pushed = await image.PushAsync(Registry, RepoName.Unique("recreated"), "1");

        _ = (await PullAsync(pushed.TagReference)).Succeeded;
        var ours = await MaterializeAsync(pushed.TagReference);

        AssertSameTree(await UmociRootfsAsync(image), ours);
        Assert.Equal(["var/cache/fresh"], FileTree.Capture(ours).Nodes.Keys.Where(k => k.StartsWith("var/cache/")));
    }

    [Fact]
    public async Task Docker_media_types_give_the_same_rootfs_as_the_oci_twin()
    {
        var layers = new[]
        {
            TestLayer.Build(BaseLayer),
            TestLayer.Build(MiddleLayer, LayerCompression.None),
            TestLayer.Build(TopLayer),
        };
        var docker = TestImage.Docker().Layers(layers).Build();
        var oci = TestImage.Oci().Layers(layers).Build();
        var pushed = await docker.PushAsync(Registry, RepoName.Unique("docker"), "1");

        var result = (await PullAsync(pushed.TagReference)).Succeeded;
        var ours = await MaterializeAsync(pushed.TagReference);
        // umoci reads OCI layouts only; the twin has the same layer blobs under OCI media types.
        var theirs = await UmociRootfsAsync(oci);

        AssertSameTree(theirs, ours);
        Assert.Equal(docker.Digest.ToString(), result.ManifestDigest);
        Assert.Equal(MediaTypes.DockerManifest, Node.Services.Images.Get(result.Image, result.Platform)!.ManifestMediaType);
        Assert.Equal(ChainIds.Compute(layers.Select(l => l.DiffId).ToList()).Select(c => c.ToString()), result.ChainIds);
    }

    [Fact]
    public async Task An_index_gives_the_requested_platform_and_amd64_by_default()
    {
        var amd = TestImage.Oci("linux/amd64").Layer(l => l.Dir("etc").File("etc/arch", "amd64\n").File("etc/amd-only", "x")).Build();
        var arm = TestImage.Oci("linux/arm64").Layer(l => l.Dir("etc").File("etc/arch", "arm64\n").Dir("lib64")).Build();
        var index = TestIndex.Oci(amd, arm);
        var pushed = await index.PushAsync(Registry, RepoName.Unique("multi"), "1");
        Assert.Equal(Platform.Parse("linux/amd64"), Platform.Current);

        var byDefault = (await PullAsync(pushed.TagReference)).Succeeded;
        var defaultRootfs = await MaterializeAsync(pushed.TagReference);
        AssertSameTree(await UmociRootfsAsync(amd), defaultRootfs);
        Assert.Equal(("linux/amd64", amd.Digest.ToString()), (byDefault.Platform, byDefault.ManifestDigest));

        var arm64 = (await PullAsync(pushed.TagReference, "linux/arm64")).Succeeded;
        var armRootfs = await MaterializeAsync(pushed.TagReference, "linux/arm64");
        AssertSameTree(await UmociRootfsAsync(arm), armRootfs);
        Assert.Equal((Platform.Parse("linux/arm64").ToString(), arm.Digest.ToString()), (arm64.Platform, arm64.ManifestDigest));
        Assert.Equal("arm64\n", File.ReadAllText(Path.Combine(armRootfs, "etc/arch")));
    }

    [Fact]
    public async Task Zstd_and_uncompressed_layers_unpack_like_their_gzip_twins()
    {
        var tars = new Action<LayerBuilder>[] { BaseLayer, MiddleLayer, TopLayer };
        var mixed = TestImage.Oci()
            .Layer(tars[0], LayerCompression.Zstd)
            .Layer(tars[1], LayerCompression.None)
            .Layer(tars[2], LayerCompression.Zstd)
            .Build();
        // umoci here cannot read zstd: the reference is the same tars, gzipped.
        var gzip = TestImage.Oci().Layer(tars[0]).Layer(tars[1]).Layer(tars[2]).Build();
        Assert.Equal(gzip.Layers.Select(l => l.DiffId), mixed.Layers.Select(l => l.DiffId));
        var pushed = await mixed.PushAsync(Registry, RepoName.Unique("zstd"), "1");

        var result = (await PullAsync(pushed.TagReference)).Succeeded;
        var ours = await MaterializeAsync(pushed.TagReference);

        AssertSameTree(await UmociRootfsAsync(gzip), ours);
        Assert.Equal(mixed.Digest.ToString(), result.ManifestDigest);
        Assert.Equal(mixed.Config.Size + mixed.Layers.Sum(l => l.Size), result.BytesFetched);
    }

    [Fact]
    public async Task A_large_image_matches_umoci_and_accounts_for_every_byte()
    {
        const string Source = "/usr/lib/x86_64-linux-gnu";
        Assert.True(Directory.Exists(Source), $"{Source} is needed as layer content");
        var big = TestLayer.FromDirectory(Source, 40L << 20, targetPrefix: "usr/lib/x86_64-linux-gnu");
        var image = TestImage.Oci()
            .Layer(l => l.Dir("usr").Dir("usr/lib").Dir("usr/lib/x86_64-linux-gnu"))
            .Layer(big)
            .Layer(l => l.Dir("etc").File("etc/ld.so.cache", "cache"))
            .Build();
        Assert.True(big.UncompressedSize > 30L << 20, $"the large layer holds only {big.UncompressedSize} bytes");
        var pushed = await image.PushAsync(Registry, RepoName.Unique("large"), "1");
        var mark = Registry.AccessLog.Mark();

        var result = (await PullAsync(pushed.TagReference)).Succeeded;
        var ours = await MaterializeAsync(pushed.TagReference);

        AssertSameTree(await UmociRootfsAsync(image), ours);
        var blobBytes = image.Config.Size + image.Layers.Sum(l => l.Size);
        Assert.Equal((blobBytes, 0L, 0L), (result.BytesFetched, result.BytesShared, result.BytesReused));
        Assert.Equal(ChainIds.Compute(image.Layers.Select(l => l.DiffId).ToList()).Select(c => c.ToString()), result.ChainIds);
        Assert.Equal(image.Layers.Count, Node.CommittedLayers.Count);
        await Registry.AccessLog.WaitForQuietAsync();
        Assert.Equal(blobBytes, Registry.AccessLog.ServedBlobBytes(mark));
    }
}
