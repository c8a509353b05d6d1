using PullCluster.Core.Formats;
using Xunit;

namespace PullCluster.Tests.Formats;

public sealed class ImageIndexSpecs
{
    private static Descriptor Entry(int n, string os, string arch, string? variant = null) =>
        new(MediaTypes.OciManifest, Digest.Sha256([(byte)n]), 100 + n, new Platform(os, arch, variant));

    private static readonly Descriptor Amd64 = Entry(1, "linux", "amd64");
    private static readonly Descriptor Amd64V3 = Entry(2, "linux", "amd64", "v3");
    private static readonly Descriptor ArmV6 = Entry(3, "linux", "arm", "v6");
    private static readonly Descriptor ArmV7 = Entry(4, "linux", "arm", "v7");
    private static readonly Descriptor Arm64 = Entry(5, "linux", "arm64");
    private static readonly Descriptor Attestation = Entry(6, "unknown", "unknown");
    private static readonly Descriptor Windows = Entry(7, "windows", "amd64");

    private static ImageIndex Index(params Descriptor[] entries) => new(MediaTypes.OciIndex, entries);

    [Fact]
    public void Picks_the_entry_for_the_requested_platform()
    {
        var index = Index(Attestation, Windows, Amd64, Arm64);

        Assert.Equal(Amd64, index.SelectPlatform(Platform.Parse("linux/amd64")));
        Assert.Equal(Windows, index.SelectPlatform(Platform.Parse("windows/amd64")));
    }

    [Fact]
    public void An_arm64_entry_without_variant_serves_an_arm64_v8_host()
    {
        Assert.Equal(Arm64, Index(Amd64, Arm64).SelectPlatform(Platform.Parse("linux/arm64")));
        Assert.Equal(Arm64, Index(Amd64, Arm64).SelectPlatform(Platform.Parse("linux/aarch64")));
    }

    [Fact]
    public void Prefers_the_exact_variant_over_a_merely_compatible_one()
    {
        Assert.Equal(Amd64, Index(Amd64V3, Amd64).SelectPlatform(Platform.Parse("linux/amd64")));
        Assert.Equal(ArmV7, Index(ArmV6, ArmV7).SelectPlatform(Platform.Parse("linux/arm/v7")));
        Assert.Equal(ArmV7, Index(ArmV6, ArmV7).SelectPlatform(Platform.Parse("linux/arm")));
    }

    [Fact]
    public void Falls_back_to_a_compatible_entry_with_another_variant_spelling()
    {
        Assert.Equal(Amd64V3, Index(Amd64V3).SelectPlatform(Platform.Parse("linux/amd64")));
    }

    [Fact]
    public void No_match_lists_what_the_index_offers()
    {
        var e = Assert.Throws<NoMatchingPlatformException>(() =>
            Index(Amd64, ArmV7, Attestation, Amd64).SelectPlatform(Platform.Parse("linux/s390x")));

        Assert.Equal("no manifest for linux/s390x: the image index offers linux/amd64, linux/arm/v7, unknown/unknown", e.Message);
        Assert.Equal(Platform.Parse("linux/s390x"), e.Requested);
        Assert.Equal(4, e.Available.Count);
    }

    [Fact]
    public void An_index_without_platforms_says_so()
    {
        var bare = new Descriptor(MediaTypes.OciManifest, Digest.Sha256([9]), 10);
        var e = Assert.Throws<NoMatchingPlatformException>(() => Index(bare).SelectPlatform(Platform.Parse("linux/amd64")));

        Assert.Contains("lists no platforms", e.Message);
    }
}
