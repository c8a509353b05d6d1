using Akka.Actor;
using System.Text.Json.Nodes;
using PullCluster.Actors.Protocol;
using PullCluster.Cmd;
using PullCluster.Core.Formats;
using PullCluster.Tests.Cmd;
using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.EndToEnd;

/// <summary>
/// One reference pulled for two platforms from a multi-platform index: a record per platform, listed with its
/// platform, chosen by platform for rootfs, export and removal, and removal of one keeping what the other uses.
/// </summary>
public sealed class ImagePlatformSpecs(RegistryFixture fixture, ITestOutputHelper output) : EndToEndKit(fixture, output), IClassFixture<RegistryFixture>
{
    private const string ArmPlatform = "linux/arm64/v8";

    // Both platforms share the base layer, as images built from one Dockerfile for two platforms share their
    // architecture-independent layers; the top layer differs in content.
    private static readonly TestLayer Shared = TestLayer.Build(l => l.Dir("etc").File("etc/os-release", "ID=pullcluster\n"));

    private static TestImage ForPlatform(string platform, string arch) => TestImage.Oci(platform)
        .Layer(Shared)
        .Layer(l => l.Dir("etc").File("etc/arch", arch + "\n").File($"etc/only-{arch}", arch))
        .Build();

    private readonly TestImage _amd = ForPlatform("linux/amd64", "amd64");
    private readonly TestImage _arm = ForPlatform("linux/arm64", "arm64");

    private async Task<string> PushIndexAsync(string name) =>
        (await TestIndex.Oci(_amd, _arm).PushAsync(Registry, RepoName.Unique(name), "1")).TagReference;

    private async Task<string> PullBothAsync(string name)
    {
        var reference = await PushIndexAsync(name);
        Assert.Equal("linux/amd64", (await PullAsync(reference)).Succeeded.Platform);
        Assert.Equal(ArmPlatform, (await PullAsync(reference, "linux/arm64")).Succeeded.Platform);
        return reference;
    }

    private async Task<IReadOnlyList<ImageSummary>> ListAsync(string? platform = null) =>
        Assert.IsType<ImageList>(await AskNodeAsync(new ListImages(Platform: platform))).Images;

    private static IReadOnlyList<Digest> ChainOf(TestImage image) => ChainIds.Compute(image.Layers.Select(l => l.DiffId).ToList());

    [Fact]
    public async Task A_pull_for_another_platform_adds_a_record_and_the_list_shows_both_platforms()
    {
        var reference = await PullBothAsync("two");

        var both = await ListAsync();
        Assert.Equal(
            [(reference, _amd.Digest.ToString(), "linux/amd64", 2), (reference, _arm.Digest.ToString(), ArmPlatform, 2)],
            both.Select(i => (i.Image, i.ManifestDigest, i.Platform, i.Layers)));
        Assert.Equal([_arm.Digest.ToString()], (await ListAsync("linux/arm64")).Select(i => i.ManifestDigest));

        var again = (await PullAsync(reference, "linux/aarch64")).Succeeded;

        Assert.Equal(0, again.BytesFetched);
        var after = await ListAsync();
        Assert.Equal(both.Select(i => (i.Image, i.Platform)), after.Select(i => (i.Image, i.Platform)));
        Assert.True(after[1].Pulled > both[1].Pulled, "pulling the same reference and platform again replaces its record");
        Assert.Equal(both[0].Pulled, after[0].Pulled);
    }

    [Fact]
    public async Task Rootfs_and_export_take_the_record_of_the_platform_asked_for_and_the_hosts_by_default()
    {
        var reference = await PullBothAsync("pick");

        var armRootfs = await MaterializeAsync(reference, "linux/arm64");
        var defaultRootfs = await MaterializeAsync(reference);

        Assert.Equal("arm64\n", File.ReadAllText(Path.Combine(armRootfs, "etc/arch")));
        AssertSameTree(await UmociRootfsAsync(_arm), armRootfs);
        Assert.Equal("amd64\n", File.ReadAllText(Path.Combine(defaultRootfs, "etc/arch")));
        AssertSameTree(await UmociRootfsAsync(_amd), defaultRootfs);

        var armLayout = Node.Scratch("arm-layout");
        var amdLayout = Node.Scratch("amd-layout");
        await ImageOperationAsync(new ExportImage(reference, armLayout, Platform: "linux/arm64"));
        await ImageOperationAsync(new ExportImage(reference, amdLayout));

        Assert.Equal(_arm.Digest.ToString(), ExportedManifest(armLayout));
        Assert.Equal(_arm.Layers[1].Blob, File.ReadAllBytes(Path.Combine(armLayout, "blobs", "sha256", _arm.Layers[1].Digest.Hex)));
        Assert.Equal(_amd.Digest.ToString(), ExportedManifest(amdLayout));
        Assert.False(File.Exists(Path.Combine(amdLayout, "blobs", "sha256", _arm.Layers[1].Digest.Hex)), "the amd64 export holds an arm64 layer");
    }

    [Fact]
    public async Task Removing_one_platform_keeps_the_other_with_every_layer_and_blob_it_uses()
    {
        var reference = await PullBothAsync("rm-one");
        var shared = ChainOf(_amd)[0];
        Assert.Equal(shared, ChainOf(_arm)[0]);
        Assert.Equal(3, Node.CommittedLayers.Count);

        var done = await ImageOperationAsync(new RemoveImage(reference, Platform: "linux/arm64"));

        Assert.StartsWith($"removed {reference} ({ArmPlatform}): 1 layers and ", done.Message);
        Assert.EndsWith($"; {reference} is kept for linux/amd64", done.Message);
        Assert.Equal([(reference, "linux/amd64")], (await ListAsync()).Select(i => (i.Image, i.Platform)));
        Assert.Equal(ChainOf(_amd).Select(c => c.ToString()).Order(), Node.CommittedLayers.Select(c => c.ToString()).Order());
        var blobs = Node.StoredBlobs.ToHashSet();
        Assert.Superset(_amd.Layers.Select(l => l.Digest).Append(_amd.Config.Digest).Append(_amd.Digest).ToHashSet(), blobs);
        Assert.DoesNotContain(_arm.Layers[1].Digest, blobs);
        Assert.DoesNotContain(_arm.Config.Digest, blobs);
        Assert.DoesNotContain(_arm.Digest, blobs);
        AssertSameTree(await UmociRootfsAsync(_amd), await MaterializeAsync(reference));
    }

    [Fact]
    public async Task Removing_without_a_platform_removes_the_reference_for_every_platform()
    {
        var reference = await PullBothAsync("rm-all");

        var done = await ImageOperationAsync(new RemoveImage(reference));

        Assert.StartsWith($"removed {reference} (linux/amd64, {ArmPlatform}): 3 layers and ", done.Message);
        Assert.Empty(await ListAsync());
        Assert.Empty(Node.CommittedLayers);
        var again = Assert.IsType<ImageOperationFailed>(await AskNodeAsync(new RemoveImage(reference)));
        Assert.Contains($"image {reference} is not in the store", again.Reason);
    }

    [Fact]
    public async Task An_unknown_platform_is_refused_naming_the_image_the_platform_and_the_platforms_pulled()
    {
        var reference = await PushIndexAsync("unknown");
        _ = (await PullAsync(reference, "linux/arm64")).Succeeded;
        var expected = $"image {reference} has no record for linux/s390x; it was pulled for {ArmPlatform}";

        var rootfs = Assert.IsType<ImageOperationFailed>(await AskNodeAsync(new MaterializeRootfs(reference, Node.Scratch("none"), Platform: "linux/s390x")));
        var export = Assert.IsType<ImageOperationFailed>(await AskNodeAsync(new ExportImage(reference, Node.Scratch("none"), Platform: "linux/s390x")));
        var rm = Assert.IsType<ImageOperationFailed>(await AskNodeAsync(new RemoveImage(reference, Platform: "linux/s390x")));

        Assert.All(new[] { rootfs.Reason, export.Reason, rm.Reason }, reason => Assert.StartsWith(expected, reason));
        Assert.Equal([ArmPlatform], (await ListAsync()).Select(i => i.Platform));
        // The only record is taken when no platform is named, even on an amd64 host: it is what the reference holds.
        Assert.Equal("arm64\n", File.ReadAllText(Path.Combine(await MaterializeAsync(reference), "etc/arch")));
    }

    [Fact]
    public async Task A_record_of_an_older_store_is_listed_and_used_after_a_restart_and_a_new_platform_adds_to_it()
    {
        var reference = await PushIndexAsync("legacy");
        var (earlier, earlierNode) = StartEarlierNode();
        var probe = CreateTestProbe(earlier);
        earlierNode.Pulls.Tell(new PullImage(reference, "linux/arm64", probe));
        _ = (await ReceivePullAsync(probe)).Succeeded;
        await earlier.Terminate();
        earlierNode.Dispose();
        // An older node wrote one file per reference, named by the reference's hash alone, with the platform as
        // the config spelled it.
        var keyed = Assert.Single(Directory.GetFiles(earlierNode.Layout.Images));
        var legacy = Path.Combine(Path.GetDirectoryName(keyed)!, Path.GetFileName(keyed).Split('.')[0] + ".json");
        var json = JsonNode.Parse(File.ReadAllText(keyed))!;
        json["platform"] = "linux/arm64";
        File.WriteAllText(legacy, json.ToJsonString());
        File.Delete(keyed);

        Assert.Equal([(reference, ArmPlatform)], (await ListAsync()).Select(i => (i.Image, i.Platform)));
        Assert.Equal([keyed], Directory.GetFiles(Node.Layout.Images));
        Assert.Equal("arm64\n", File.ReadAllText(Path.Combine(await MaterializeAsync(reference, "linux/arm64"), "etc/arch")));

        _ = (await PullAsync(reference)).Succeeded;

        Assert.Equal(["linux/amd64", ArmPlatform], (await ListAsync()).Select(i => i.Platform));
    }

    [Fact]
    public async Task The_cli_lists_platforms_and_takes_platform_for_rootfs_and_rm()
    {
        var reference = await PushIndexAsync("cli");
        using var dir = TempDir.Create("cli-platform");
        await using var node = await NodeProcess.StartAsync(dir.Combine("store"));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int Cli(string line)
        {
            stdout.GetStringBuilder().Clear();
            stderr.GetStringBuilder().Clear();
            return CliApp.Run([.. line.Split(' '), "--socket", node.SocketPath], TestEnvironment.With(("PULLCLUSTER_STORE", node.Store)),
                stdout, stderr, OutputTarget.Redirected);
        }

        Assert.Equal(0, Cli($"pull {reference} -q"));
        Assert.Equal(0, Cli($"pull {reference} -q --platform linux/arm64"));

        Assert.Equal(0, Cli("image ls"));
        var table = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["IMAGE", "DIGEST", "PLATFORM", "SIZE", "LAYERS", "PULLED"], table[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(
            [(reference, "linux/amd64"), (reference, ArmPlatform)],
            table.Skip(1).Select(row => row.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(cells => (cells[0], cells[2])));
        Assert.Equal(0, Cli("image ls --json --platform linux/arm64"));
        var listed = JsonNode.Parse(stdout.ToString())!.AsArray();
        Assert.Equal([(reference, ArmPlatform)], listed.Select(i => (i!["image"]!.GetValue<string>(), i["platform"]!.GetValue<string>())));
        Assert.Equal(0, Cli("image ls -q"));
        Assert.Equal(reference + "\n", stdout.ToString());

        var rootfs = dir.Combine("rootfs");
        Assert.Equal(0, Cli($"image rootfs {reference} {rootfs} --platform linux/arm64"));
        Assert.Equal("arm64\n", File.ReadAllText(Path.Combine(rootfs, "etc/arch")));

        Assert.Equal(CliApp.Failed, Cli($"image rm {reference} --platform linux/s390x"));
        Assert.Equal($"pullcluster: image {reference} has no record for linux/s390x; it was pulled for linux/amd64, {ArmPlatform} (name one with --platform)\n", stderr.ToString());
        Assert.Equal(0, Cli($"image rm --platform linux/arm64 {reference}"));
        Assert.EndsWith($"; {reference} is kept for linux/amd64\n", stdout.ToString());
        Assert.Equal(0, Cli("image ls --json"));
        Assert.Equal(["linux/amd64"], JsonNode.Parse(stdout.ToString())!.AsArray().Select(i => i!["platform"]!.GetValue<string>()));
    }

    private static string ExportedManifest(string layout) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!["manifests"]!.AsArray().Single()!["digest"]!.GetValue<string>();
}
