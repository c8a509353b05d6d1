using System.Security.Cryptography;
using PullCluster.Core.Formats;
using PullCluster.Core.Layers;
using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.EndToEnd;

/// <summary>
/// Malicious layers served by a real registry: the pull fails naming the entry, nothing lands outside the layer's
/// staging directory, no layer is committed and the staging directory is removed.
/// </summary>
public sealed class BadLayerSpecs(RegistryFixture fixture, ITestOutputHelper output) : EndToEndKit(fixture, output), IClassFixture<RegistryFixture>
{
    /// <summary>Names an escaping write would create, wherever it landed.</summary>
    private static readonly string[] Planted = ["escape", "escape-hard", "path", "passwd", "bomb"];

    public static TheoryData<string> Cases => ["dotdot", "nested-dotdot", "absolute", "through-symlink", "hardlink-out"];

    private static (TestLayer Layer, string Entry) Malicious(string name) => name switch
    {
        "dotdot" => (TestLayer.Build(l => l.Dir("etc").File("../escape", "escaped")), "../escape"),
        "nested-dotdot" => (TestLayer.Build(l => l.Dir("a").File("a/../../escape", "escaped")), "a/../../escape"),
        "absolute" => (TestLayer.Build(l => l.File("/abs/path", "absolute")), "/abs/path"),
        "through-symlink" => (TestLayer.Build(l => l.Symlink("link", "/etc").File("link/passwd", "root::0:0::/:/bin/sh\n")), "link/passwd"),
        "hardlink-out" => (TestLayer.Build(l => l.File("inside", "x").Hardlink("escape-hard", "../outside")), "escape-hard"),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such malicious layer"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_layer_writing_outside_its_directory_is_refused(string name)
    {
        var (layer, entry) = Malicious(name);
        Assert.Contains(layer.ReadEntries(), e => e.Name == entry);
        var etcPasswd = Fingerprint("/etc/passwd");
        Assert.False(Directory.Exists("/abs"), "/abs exists before the test");

        var failed = await PullBadLayerAsync(layer, name);

        Assert.Contains($"entry '{entry}'", failed.Reason);
        Assert.Equal(etcPasswd, Fingerprint("/etc/passwd"));
        Assert.False(Directory.Exists("/abs"), "the absolute entry was written to /abs");
        await AssertContainedAsync();
    }

    [Fact]
    public async Task A_decompression_bomb_is_stopped_at_the_configured_size_bound()
    {
        StartNode(maxLayerBytes: 8L << 20);
        var bomb = MaliciousLayers.ZeroBomb(32L << 20, LayerCompression.Gzip, path: "bomb");

        var failed = await PullBadLayerAsync(bomb, "bomb-size");

        Assert.Contains("decompression bomb", failed.Reason);
        Assert.Contains((8L << 20).ToString(), failed.Reason);
        Assert.Contains("entry 'bomb'", failed.Reason);
        await AssertContainedAsync();
    }

    [Fact]
    public async Task A_decompression_bomb_is_stopped_at_the_default_expansion_ratio()
    {
        // The default bounds: a ratio of 1000 once 64 MiB are out. 128 MiB of zeros compress (zstd) to a few
        // kilobytes and trip it half-way.
        var bomb = MaliciousLayers.ZeroBomb(128L << 20, LayerCompression.Zstd, path: "bomb");
        Assert.True(bomb.UncompressedSize / bomb.Size > new LayerApplyOptions().MaxExpansionRatio);

        var failed = await PullBadLayerAsync(bomb, "bomb");

        Assert.Contains("decompression bomb", failed.Reason);
        Assert.Contains("entry 'bomb'", failed.Reason);
        Assert.Contains(bomb.Digest.ToString(), failed.Reason);
        await AssertContainedAsync();
    }

    private async Task<Actors.Protocol.PullFailed> PullBadLayerAsync(TestLayer layer, string name)
    {
        var image = TestImage.Oci().Layer(l => l.Dir("etc").File("etc/os-release", "ID=base\n")).Layer(layer).Build();
        var pushed = await image.PushAsync(Registry, RepoName.Unique(name), "1");

        var failed = (await PullAsync(pushed.TagReference)).Failed;

        Assert.Contains(layer.Digest.ToString(), failed.Reason);
        var chain = ChainIds.Compute(image.Layers.Select(l => l.DiffId).ToList());
        Assert.DoesNotContain(chain[1], Node.CommittedLayers);
        Assert.DoesNotContain(Node.Services.Images.List(), r => r.Reference == failed.Image);
        return failed;
    }

    private async Task AssertContainedAsync()
    {
        await EventuallyAsync(() => Node.StagingEntries.Count == 0, "the refused layer's staging directory is removed");
        var root = new DirectoryInfo(Node.Dir.Path);
        var found = root.EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(i => Planted.Contains(i.Name))
            .Select(i => i.FullName)
            .ToList();
        Assert.True(found.Count == 0, $"written outside the layer: {string.Join(", ", found)}");
        Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(root.FullName)!, "escape")));
        await AssertNodeStillPullsAsync();
    }

    private static string Fingerprint(string path) =>
        $"{File.GetLastWriteTimeUtc(path):O} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))}";
}
