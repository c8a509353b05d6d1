using System.Formats.Tar;
using System.Text;
using System.Text.Json.Nodes;
using PullCluster.Core.Formats;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.InfrastructureSpecs;

public class TestImageSpecs
{
    [Fact]
    public void Equal_descriptions_give_equal_bytes_and_digests()
    {
        static TestImage Build() => TestImage.Oci()
            .Layer(l => l.Dir("etc").File("etc/hello", "hi\n").Symlink("etc/link", "hello"))
            .Layer(l => l.File("usr/bin/tool", "#!/bin/sh\n", mode: "755"), LayerCompression.Zstd)
            .Build();

        var a = Build();
        var b = Build();

        Assert.Equal(a.Digest, b.Digest);
        Assert.Equal(a.Manifest.Bytes, b.Manifest.Bytes);
        Assert.Equal(a.Layers.Select(l => l.Digest), b.Layers.Select(l => l.Digest));
    }

    [Fact]
    public void Every_entry_kind_lands_in_the_tar_as_described()
    {
        var longName = "deep/" + string.Join('/', Enumerable.Repeat("directory-name-that-is-long", 12)) + "/file";
        var mtime = new DateTimeOffset(2021, 6, 7, 8, 9, 10, TimeSpan.Zero);
        var layer = TestLayer.Build(l => l
            .Dir("etc", mode: "750", uid: 1, gid: 2)
            .File("etc/conf", "content", mode: "4755", uid: 1000, gid: 1001, mtime: mtime,
                xattrs: new Dictionary<string, string> { ["user.origin"] = "test" })
            .Symlink("etc/sym", "/" + new string('t', 300))
            .Hardlink("etc/hard", "etc/conf")
            .Fifo("run/fifo")
            .CharDevice("dev/null", 1, 3)
            .Whiteout("var/gone")
            .OpaqueDir("opt")
            .File(longName, "deep"));

        var entries = layer.ReadEntries().ToDictionary(e => e.Name);

        Assert.Equal(TarEntryType.Directory, entries["etc/"].EntryType);
        Assert.Equal((UnixFileMode)LayerBuilder.Octal("750"), entries["etc/"].Mode);
        var conf = (PaxTarEntry)entries["etc/conf"];
        Assert.Equal("content", new StreamReader(conf.DataStream!).ReadToEnd());
        Assert.Equal((UnixFileMode)LayerBuilder.Octal("4755"), conf.Mode);
        Assert.Equal((1000, 1001), (conf.Uid, conf.Gid));
        Assert.Equal(mtime, conf.ModificationTime);
        Assert.Equal("test", conf.ExtendedAttributes["SCHILY.xattr.user.origin"]);
        Assert.Equal("/" + new string('t', 300), entries["etc/sym"].LinkName);
        Assert.Equal((TarEntryType.HardLink, "etc/conf"), (entries["etc/hard"].EntryType, entries["etc/hard"].LinkName));
        Assert.Equal(TarEntryType.Fifo, entries["run/fifo"].EntryType);
        var device = (PosixTarEntry)entries["dev/null"];
        Assert.Equal((TarEntryType.CharacterDevice, 1, 3), (device.EntryType, device.DeviceMajor, device.DeviceMinor));
        Assert.Contains("var/.wh.gone", entries.Keys);
        Assert.Contains("opt/.wh..wh..opq", entries.Keys);
        Assert.Contains(longName, entries.Keys);
        Assert.Equal(LayerBuilder.DefaultModificationTime, entries["run/fifo"].ModificationTime);
    }

    [Fact]
    public void Malicious_names_are_written_verbatim()
    {
        var layer = TestLayer.Build(l => l
            .File("../escape", "x")
            .File("/etc/absolute", "x")
            .Symlink("link", "/etc")
            .File("link/through", "x")
            .Hardlink("hard", "../../etc/passwd"));

        var names = layer.ReadEntries().Select(e => (e.Name, e.LinkName)).ToList();

        Assert.Equal(
            [("../escape", ""), ("/etc/absolute", ""), ("link", "/etc"), ("link/through", ""), ("hard", "../../etc/passwd")],
            names);
    }

    [Fact]
    public void Compression_changes_the_digest_but_not_the_diff_id()
    {
        static void Describe(LayerBuilder l) => l.File("same", "bytes");
        var none = TestLayer.Build(Describe, LayerCompression.None);
        var gzip = TestLayer.Build(Describe, LayerCompression.Gzip);
        var zstd = TestLayer.Build(Describe, LayerCompression.Zstd);

        Assert.Equal(none.Tar, none.Blob);
        Assert.Equal(new byte[] { 0x1f, 0x8b }, gzip.Blob[..2]);
        Assert.Equal(new byte[] { 0x28, 0xb5, 0x2f, 0xfd }, zstd.Blob[..4]);
        Assert.Equal(none.DiffId, gzip.DiffId);
        Assert.Equal(none.DiffId, zstd.DiffId);
        Assert.Equal(none.DiffId, Digest.Sha256(LayerCompressor.Decompress(zstd.Blob, LayerCompression.Zstd)));
        Assert.Equal(3, new[] { none.Digest, gzip.Digest, zstd.Digest }.Distinct().Count());
    }

    [Fact]
    public void Oci_image_has_oci_media_types_and_config_with_platform_and_diff_ids()
    {
        var image = TestImage.Oci("linux/arm64/v8")
            .Layer(l => l.File("a", "1"))
            .Layer(l => l.File("b", "2"), LayerCompression.Zstd)
            .Build();

        var manifest = JsonNode.Parse(image.Manifest.Bytes)!;
        var config = JsonNode.Parse(image.Config.Bytes)!;

        Assert.Equal(MediaTypes.OciManifest, manifest["mediaType"]!.GetValue<string>());
        Assert.Equal(MediaTypes.OciConfig, manifest["config"]!["mediaType"]!.GetValue<string>());
        Assert.Equal(image.Config.Digest.ToString(), manifest["config"]!["digest"]!.GetValue<string>());
        Assert.Equal([MediaTypes.OciLayerGzip, MediaTypes.OciLayerZstd], image.LayerDescriptors.Select(d => d.MediaType));
        Assert.Equal(image.Layers.Select(l => l.Size), image.LayerDescriptors.Select(d => d.Size));
        Assert.Equal(("linux", "arm64", "v8"),
            (config["os"]!.GetValue<string>(), config["architecture"]!.GetValue<string>(), config["variant"]!.GetValue<string>()));
        Assert.Equal(image.Layers.Select(l => l.DiffId.ToString()),
            config["rootfs"]!["diff_ids"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Contains("tar+gzip", Encoding.UTF8.GetString(image.Manifest.Bytes));
    }

    [Fact]
    public void Docker_image_has_docker_media_types_and_oci_zstd()
    {
        var image = TestImage.Docker()
            .Layer(l => l.File("a", "1"))
            .Layer(l => l.File("b", "2"), LayerCompression.None)
            .Layer(l => l.File("c", "3"), LayerCompression.Zstd)
            .Build();

        Assert.Equal(MediaTypes.DockerManifest, image.Manifest.MediaType);
        Assert.Equal(MediaTypes.DockerConfig, image.Config.MediaType);
        Assert.Equal([MediaTypes.DockerLayerGzip, MediaTypes.DockerLayer, MediaTypes.OciLayerZstd],
            image.LayerDescriptors.Select(d => d.MediaType));
    }

    [Fact]
    public void Lies_change_what_the_manifest_and_config_claim_only()
    {
        var honest = TestImage.Oci().Layer(l => l.File("a", "1")).Build();
        var liar = TestImage.Oci()
            .Layer(honest.Layers[0])
            .OverrideLayerDescriptor(0, size: 3)
            .EditConfig(c => c["rootfs"]!["diff_ids"]![0] = Digest.Sha256("other"u8).ToString())
            .Build();

        Assert.Equal(3, liar.LayerDescriptors[0].Size);
        Assert.Equal(honest.Layers[0].Digest, liar.LayerDescriptors[0].Digest);
        Assert.Contains(Digest.Sha256("other"u8).ToString(), liar.Config.Text);
        Assert.NotEqual(honest.Digest, liar.Digest);
    }

    [Fact]
    public void Index_lists_each_image_with_its_platform()
    {
        var amd = TestImage.Oci("linux/amd64").Layer(l => l.File("arch", "amd64")).Build();
        var arm = TestImage.Oci("linux/arm64").Layer(l => l.File("arch", "arm64")).Build();

        var index = TestIndex.Oci(amd, arm);
        var list = TestIndex.DockerManifestList(
            TestImage.Docker("linux/amd64").Layer(amd.Layers[0]).Build(),
            TestImage.Docker("linux/arm64").Layer(arm.Layers[0]).Build());

        var entries = JsonNode.Parse(index.Manifest.Bytes)!["manifests"]!.AsArray();
        Assert.Equal(MediaTypes.OciIndex, index.Manifest.MediaType);
        Assert.Equal(MediaTypes.DockerManifestList, list.Manifest.MediaType);
        Assert.Equal([amd.Digest.ToString(), arm.Digest.ToString()], entries.Select(e => e!["digest"]!.GetValue<string>()));
        Assert.Equal(["amd64", "arm64"], entries.Select(e => e!["platform"]!["architecture"]!.GetValue<string>()));
        Assert.Equal("v8", entries[1]!["platform"]!["variant"]!.GetValue<string>());
    }

    [Fact]
    public void Directory_layers_respect_the_cap_and_are_built_once()
    {
        var layer = TestLayer.FromDirectory("/usr/share/doc", 2 << 20, LayerCompression.Gzip, "big");
        var again = TestLayer.FromDirectory("/usr/share/doc", 2 << 20, LayerCompression.Gzip, "big");

        var files = layer.ReadEntries().Where(e => e.EntryType == TarEntryType.RegularFile).ToList();
        Assert.Same(layer, again);
        Assert.NotEmpty(files);
        Assert.All(layer.ReadEntries(), e => Assert.StartsWith("big/", e.Name));
        Assert.InRange(files.Sum(f => f.Length), 1, 2 << 20);
    }

    [Fact]
    public void Zero_bomb_is_tiny_compressed_and_huge_uncompressed()
    {
        var bomb = MaliciousLayers.ZeroBomb(256L << 20);

        long total = 0;
        var hasher = bomb.DiffId.CreateHasher();
        using (var stream = LayerCompressor.OpenDecompressor(new MemoryStream(bomb.Blob), bomb.Compression))
        {
            var buffer = new byte[1 << 20];
            int n;
            while ((n = stream.Read(buffer)) > 0)
            {
                total += n;
                hasher.AppendData(buffer, 0, n);
            }
        }

        Assert.True(bomb.Size < 64 << 10, $"bomb blob is {bomb.Size} bytes");
        Assert.Equal(bomb.UncompressedSize, total);
        Assert.True(total > 256L << 20);
        Assert.Equal(bomb.DiffId, Digest.FromHash("sha256", hasher.GetHashAndReset()));
    }

    [Fact]
    public void Truncated_layer_keeps_the_original_diff_id_and_fails_to_decompress()
    {
        var layer = TestLayer.Build(l => l.File("big", new byte[100_000].Select((_, i) => (byte)(i * 7)).ToArray()));

        var truncated = MaliciousLayers.Truncated(layer, layer.Blob.Length / 2);

        Assert.Equal(layer.DiffId, truncated.DiffId);
        byte[]? output = null;
        try { output = LayerCompressor.Decompress(truncated.Blob, truncated.Compression); }
        catch (InvalidDataException) { }
        Assert.True(output is null || output.Length < layer.Tar!.Length);
    }
}
