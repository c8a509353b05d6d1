using System.Runtime.Versioning;
using System.Text.Json.Nodes;
using PullCluster.Core.Formats;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.InfrastructureSpecs;

[SupportedOSPlatform("linux")]
public class OciLayoutSpecs
{
    // umoci 0.4.7 (Debian 12) refuses zstd layers, so layouts meant for it use gzip or no compression.
    [Fact]
    public async Task Umoci_unpacks_a_written_layout_with_every_layer_applied()
    {
        using var dir = TempDir.Create("layout");
        var image = TestImage.Oci()
            .Layer(l => l
                .Dir("etc")
                .File("etc/hello", "hello\n", mode: "640", uid: 1000, gid: 1000)
                .File("etc/doomed", "deleted by layer 2")
                .Dir("opt/old")
                .File("opt/old/file", "hidden by opaque dir")
                .Symlink("etc/link", "hello")
                .Hardlink("etc/hard", "etc/hello"))
            .Layer(l => l
                .Whiteout("etc/doomed")
                .OpaqueDir("opt")
                .File("opt/new", "after opaque"), LayerCompression.None)
            .Build();
        var layout = dir.Combine("layout");

        image.WriteOciLayout(layout, "v1");
        var rootfs = await Umoci.UnpackAsync(layout, "v1", dir.Combine("bundle"));

        Assert.Equal("hello\n", File.ReadAllText(Path.Combine(rootfs, "etc/hello")));
        Assert.Equal((UnixFileMode)LayerBuilder.Octal("640"), File.GetUnixFileMode(Path.Combine(rootfs, "etc/hello")));
        Assert.Equal("hello", new FileInfo(Path.Combine(rootfs, "etc/link")).LinkTarget);
        Assert.Equal("hello\n", File.ReadAllText(Path.Combine(rootfs, "etc/hard")));
        Assert.False(File.Exists(Path.Combine(rootfs, "etc/doomed")));
        Assert.False(Directory.Exists(Path.Combine(rootfs, "opt/old")));
        Assert.Equal("after opaque", File.ReadAllText(Path.Combine(rootfs, "opt/new")));
        var owner = (await Proc.RunAsync("stat", "-c", "%u:%g", Path.Combine(rootfs, "etc/hello"))).EnsureSuccess().Stdout.Trim();
        Assert.Equal("1000:1000", owner);
    }

    [Fact]
    public void Layout_holds_the_same_blobs_and_names_every_tag()
    {
        using var dir = TempDir.Create("layout-tags");
        var first = TestImage.Oci().Layer(l => l.File("v", "1")).Build();
        var second = TestImage.Oci().Layer(l => l.File("v", "2")).Build();
        var layout = dir.Combine("layout");

        first.WriteOciLayout(layout, "one");
        second.WriteOciLayout(layout, "two");
        second.WriteOciLayout(layout, "one");

        var index = JsonNode.Parse(File.ReadAllBytes(Path.Combine(layout, "index.json")))!;
        var refs = index["manifests"]!.AsArray()
            .ToDictionary(m => m!["annotations"]!["org.opencontainers.image.ref.name"]!.GetValue<string>(), m => m!["digest"]!.GetValue<string>());
        Assert.Equal(new Dictionary<string, string> { ["two"] = second.Digest.ToString(), ["one"] = second.Digest.ToString() }, refs);
        Assert.Equal("""{"imageLayoutVersion":"1.0.0"}""", File.ReadAllText(Path.Combine(layout, "oci-layout")));
        Assert.Equal(first.Layers[0].Blob, File.ReadAllBytes(Path.Combine(layout, "blobs/sha256", first.Layers[0].Digest.Hex)));
        Assert.Equal(second.Manifest.Bytes, File.ReadAllBytes(Path.Combine(layout, "blobs/sha256", second.Digest.Hex)));
    }

    [Fact]
    public async Task Umoci_selects_the_platform_image_of_a_written_index()
    {
        using var dir = TempDir.Create("layout-index");
        var amd = TestImage.Oci("linux/amd64").Layer(l => l.File("arch", "amd64")).Build();
        var arm = TestImage.Oci("linux/arm64").Layer(l => l.File("arch", "arm64")).Build();
        var layout = dir.Combine("layout");
        TestIndex.Oci(amd, arm).WriteOciLayout(layout, "multi");
        amd.WriteOciLayout(layout, "amd64-only");

        var rootfs = await Umoci.UnpackAsync(layout, "amd64-only", dir.Combine("bundle"));

        Assert.Equal("amd64", File.ReadAllText(Path.Combine(rootfs, "arch")));
        Assert.True(File.Exists(Path.Combine(layout, "blobs/sha256", arm.Layers[0].Digest.Hex)));
    }

    [Fact]
    public async Task Umoci_failure_names_the_image_and_carries_stderr()
    {
        using var dir = TempDir.Create("layout-missing");
        var layout = dir.Combine("layout");
        TestImage.Oci().Layer(l => l.File("x", "y")).Build().WriteOciLayout(layout, "present");

        var error = await Assert.ThrowsAsync<UmociException>(() => Umoci.UnpackAsync(layout, "absent", dir.Combine("bundle")));

        Assert.Contains($"{layout}:absent", error.Message);
        Assert.NotEqual(0, error.Result.ExitCode);
        Assert.NotEmpty(error.Result.Stderr);
    }

    [Fact]
    public async Task Corrupted_stored_layer_makes_umoci_refuse_the_layout()
    {
        using var dir = TempDir.Create("layout-corrupt");
        var layout = dir.Combine("layout");
        var image = TestImage.Oci().Layer(l => l.File("x", new byte[4096])).CorruptStoredLayer(0).Build();

        image.WriteOciLayout(layout, "bad");

        var stored = File.ReadAllBytes(Path.Combine(layout, "blobs/sha256", image.Layers[0].Digest.Hex));
        Assert.NotEqual(image.Layers[0].Digest, Digest.Sha256(stored));
        await Assert.ThrowsAsync<UmociException>(() => Umoci.UnpackAsync(layout, "bad", dir.Combine("bundle")));
    }
}
