using System.Text;
using PullCluster.Core.Formats;
using Xunit;

namespace PullCluster.Tests.Formats;

public sealed class ImageConfigSpecs
{
    private const string D1 = "sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1";
    private const string D2 = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

    private static ImageConfig Parse(string json) => ImageConfig.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Reads_platform_and_diff_ids_ignoring_everything_else()
    {
        var config = Parse($$"""
            {"created":"2024-01-01T00:00:00Z","architecture":"arm64","variant":"v8","os":"linux",
             "config":{"Env":["PATH=/usr/bin"],"Cmd":["sh"]},
             "rootfs":{"type":"layers","diff_ids":["{{D1}}","{{D2}}"]},
             "history":[{"created_by":"x"}]}
            """);

        Assert.Equal(new Platform("linux", "arm64", "v8"), config.Platform);
        Assert.Equal([Digest.Parse(D1), Digest.Parse(D2)], config.DiffIds);
    }

    [Fact]
    public void A_config_without_variant_has_none()
    {
        var config = Parse("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""");

        Assert.Null(config.Platform.Variant);
        Assert.Empty(config.DiffIds);
    }

    [Theory]
    [InlineData("""{"architecture":"amd64","rootfs":{"type":"layers","diff_ids":[]}}""", "no 'os'")]
    [InlineData("""{"architecture":"amd64","os":"linux"}""", "no rootfs")]
    [InlineData("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers"}}""", "no rootfs.diff_ids")]
    [InlineData("""{"architecture":"amd64","os":"linux","rootfs":{"type":"other","diff_ids":[]}}""", "rootfs.type")]
    [InlineData("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:abc"]}}""", "diff_ids[0]: invalid digest 'sha256:abc'")]
    [InlineData("""{"architecture":""", "not valid JSON")]
    [InlineData("""[1]""", "not a JSON object")]
    public void Refuses_incomplete_configs_saying_what_is_missing(string json, string reason)
    {
        var e = Assert.Throws<FormatException>(() => Parse(json));
        Assert.Contains(reason, e.Message);
    }
}
