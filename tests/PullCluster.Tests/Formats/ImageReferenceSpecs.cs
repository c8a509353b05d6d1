using PullCluster.Core.Formats;
using Xunit;

namespace PullCluster.Tests.Formats;

public sealed class ImageReferenceSpecs
{
    private const string Hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    [Theory]
    [InlineData("alpine", "docker.io", "library/alpine", "latest")]
    [InlineData("alpine:3.20", "docker.io", "library/alpine", "3.20")]
    [InlineData("user/app", "docker.io", "user/app", "latest")]
    [InlineData("user/app:v1.2_rc-3", "docker.io", "user/app", "v1.2_rc-3")]
    [InlineData("docker.io/alpine", "docker.io", "library/alpine", "latest")]
    [InlineData("docker.io/library/alpine", "docker.io", "library/alpine", "latest")]
    [InlineData("index.docker.io/user/app", "docker.io", "user/app", "latest")]
    [InlineData("registry-1.docker.io/alpine:edge", "docker.io", "library/alpine", "edge")]
    [InlineData("localhost/app", "localhost", "app", "latest")]
    [InlineData("localhost:5000/app:1", "localhost:5000", "app", "1")]
    [InlineData("127.0.0.1:5000/team/base:1", "127.0.0.1:5000", "team/base", "1")]
    [InlineData("[::1]:5000/base:1", "[::1]:5000", "base", "1")]
    [InlineData("ghcr.io/org/sub/app:main", "ghcr.io", "org/sub/app", "main")]
    [InlineData("myhost:5000/app", "myhost:5000", "app", "latest")]
    [InlineData("foo:5000", "docker.io", "library/foo", "5000")]
    [InlineData("a.b-c/e--f.g_h", "a.b-c", "e--f.g_h", "latest")]
    [InlineData("user/a.b__c---d", "docker.io", "user/a.b__c---d", "latest")]
    [InlineData("Registry.Example.COM/app", "Registry.Example.COM", "app", "latest")]
    public void Normalizes_names_as_docker_does(string value, string registry, string repository, string tag)
    {
        var r = ImageReference.Parse(value);

        Assert.Equal(registry, r.Registry);
        Assert.Equal(repository, r.Repository);
        Assert.Equal(tag, r.Tag);
        Assert.Null(r.Digest);
        Assert.Equal(tag, r.Reference);
    }

    [Fact]
    public void A_digest_reference_has_no_tag_and_fetches_by_digest()
    {
        var r = ImageReference.Parse($"127.0.0.1:5000/base@sha256:{Hex}");

        Assert.Null(r.Tag);
        Assert.Equal(Digest.Parse($"sha256:{Hex}"), r.Digest);
        Assert.Equal($"sha256:{Hex}", r.Reference);
        Assert.Equal($"127.0.0.1:5000/base@sha256:{Hex}", r.ToString());
    }

    [Fact]
    public void With_tag_and_digest_the_digest_is_fetched_and_the_tag_kept_for_display()
    {
        var r = ImageReference.Parse($"alpine:3.20@sha256:{Hex}");

        Assert.Equal("3.20", r.Tag);
        Assert.Equal($"sha256:{Hex}", r.Reference);
        Assert.Equal($"docker.io/library/alpine:3.20@sha256:{Hex}", r.ToString());
    }

    [Theory]
    [InlineData("alpine", "docker.io/library/alpine:latest")]
    [InlineData("localhost:5000/a/b:c", "localhost:5000/a/b:c")]
    public void Prints_the_normalized_name(string value, string expected) =>
        Assert.Equal(expected, ImageReference.Parse(value).ToString());

    [Fact]
    public void The_api_host_of_docker_hub_differs_from_its_name()
    {
        Assert.Equal("registry-1.docker.io", ImageReference.Parse("alpine").ApiHost);
        Assert.Equal("127.0.0.1:5000", ImageReference.Parse("127.0.0.1:5000/a").ApiHost);
    }

    [Fact]
    public void With_digest_keeps_the_tag_and_round_trips()
    {
        var d = Digest.Parse($"sha256:{Hex}");
        var r = ImageReference.Parse("127.0.0.1:5000/base:1").WithDigest(d);

        Assert.Equal("1", r.Tag);
        Assert.Equal(d, r.Digest);
        Assert.Equal(r, ImageReference.Parse(r.ToString()));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("Alpine", "must be lowercase")]
    [InlineData("docker.io/User/app", "must be lowercase")]
    [InlineData("alpine:", "invalid tag")]
    [InlineData("alpine:-x", "invalid tag")]
    [InlineData("alpine:a/b", "invalid registry host 'alpine:a'")]
    [InlineData("alpine@sha256:abc", "invalid digest")]
    [InlineData("alpine@md5:d41d8cd98f00b204e9800998ecf8427e", "invalid digest")]
    [InlineData("a//b", "empty path component")]
    [InlineData("user/-app", "invalid repository component '-app'")]
    [InlineData("user/app_", "invalid repository component 'app_'")]
    [InlineData("user/a___b", "invalid repository component")]
    [InlineData("local host/app", "whitespace")]
    [InlineData("bad_host.example:5000/app", "invalid registry host")]
    [InlineData("host.example:port/app", "invalid registry host")]
    [InlineData(Hex, "image id")]
    public void Refuses_invalid_references_saying_why(string value, string reason)
    {
        var e = Assert.Throws<FormatException>(() => ImageReference.Parse(value));

        Assert.Contains($"'{value}'", e.Message);
        Assert.Contains(reason, e.Message);
        Assert.False(ImageReference.TryParse(value, out var none));
        Assert.Null(none);
    }

    [Fact]
    public void Tags_may_be_128_characters_but_not_more()
    {
        var longest = "t" + new string('x', 127);
        Assert.Equal(longest, ImageReference.Parse($"alpine:{longest}").Tag);
        Assert.Throws<FormatException>(() => ImageReference.Parse($"alpine:{longest}x"));
    }

    [Fact]
    public void Names_longer_than_255_characters_are_refused()
    {
        var e = Assert.Throws<FormatException>(() => ImageReference.Parse("r.example/" + new string('a', 250)));
        Assert.Contains("longer than 255", e.Message);
    }
}
