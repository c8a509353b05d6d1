using System.Text;
using PullCluster.Core.Formats;
using Xunit;

namespace PullCluster.Tests.Formats;

public sealed class ManifestParserSpecs
{
    private const string C = "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7";
    private const string L1 = "sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1";
    private const string L2 = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

    private static ManifestDocument Parse(string json, string? contentType = null) =>
        ManifestParser.Parse(Encoding.UTF8.GetBytes(json), contentType);

    [Fact]
    public void Parses_an_oci_manifest_with_annotations()
    {
        var m = Assert.IsType<ImageManifest>(Parse($$"""
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{C}}","size":7023},
             "layers":[
               {"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{{L1}}","size":32654},
               {"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","digest":"{{L2}}","size":16724,
                "annotations":{"io.github.containers.zstd-chunked.manifest-position":"1:2:3:1"},
                "urls":["https://mirror.example/blob"]}],
             "annotations":{"org.opencontainers.image.title":"base"} }
            """));

        Assert.Equal(MediaTypes.OciManifest, m.MediaType);
        Assert.Equal(new Descriptor(MediaTypes.OciConfig, Digest.Parse(C), 7023), m.Config);
        Assert.Equal(2, m.Layers.Count);
        Assert.Equal(Digest.Parse(L1), m.Layers[0].Digest);
        Assert.Equal(32654, m.Layers[0].Size);
        Assert.Equal(MediaTypes.OciLayerZstd, m.Layers[1].MediaType);
        Assert.Equal("1:2:3:1", m.Layers[1].Annotations!["io.github.containers.zstd-chunked.manifest-position"]);
        Assert.Equal(["https://mirror.example/blob"], m.Layers[1].Urls!);
        Assert.Equal("base", m.Annotations!["org.opencontainers.image.title"]);
    }

    [Fact]
    public void Parses_a_docker_schema2_manifest()
    {
        var m = Assert.IsType<ImageManifest>(Parse($$"""
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
             "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1469,"digest":"{{C}}"},
             "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":3623807,"digest":"{{L1}}"}]}
            """));

        Assert.Equal(MediaTypes.DockerManifest, m.MediaType);
        Assert.Equal(MediaTypes.DockerConfig, m.Config.MediaType);
        Assert.Equal(MediaTypes.DockerLayerGzip, Assert.Single(m.Layers).MediaType);
        Assert.Null(m.Annotations);
    }

    [Fact]
    public void Parses_an_oci_index_with_platforms()
    {
        var index = Assert.IsType<ImageIndex>(Parse($$"""
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
              {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{L1}}","size":525,
               "platform":{"architecture":"amd64","os":"linux"} },
              {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{L2}}","size":525,
               "platform":{"architecture":"arm64","os":"linux","variant":"v8","os.features":["x"]} }]}
            """));

        Assert.Equal(MediaTypes.OciIndex, index.MediaType);
        Assert.Equal(new Platform("linux", "amd64"), index.Manifests[0].Platform);
        Assert.Equal(new Platform("linux", "arm64", "v8"), index.Manifests[1].Platform);
    }

    [Fact]
    public void Parses_a_docker_manifest_list()
    {
        var index = Assert.IsType<ImageIndex>(Parse($$"""
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[
              {"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":7143,"digest":"{{L1}}",
               "platform":{"architecture":"ppc64le","os":"linux"} }]}
            """));

        Assert.Equal(MediaTypes.DockerManifestList, index.MediaType);
        Assert.Equal(MediaTypes.DockerManifest, Assert.Single(index.Manifests).MediaType);
    }

    [Fact]
    public void Takes_the_media_type_from_content_type_when_the_body_has_none()
    {
        var json = $$"""{"schemaVersion":2,"manifests":[]}""";

        Assert.Equal(MediaTypes.DockerManifestList, Parse(json, MediaTypes.DockerManifestList + "; charset=utf-8").MediaType);
        Assert.Equal(MediaTypes.OciIndex, Parse(json, "application/json").MediaType);
        Assert.Equal(MediaTypes.OciIndex, ManifestParser.DetectMediaType(Encoding.UTF8.GetBytes(json), null));
    }

    [Fact]
    public void The_body_media_type_wins_over_content_type()
    {
        var json = $$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciIndex}}","manifests":[]}""";
        Assert.Equal(MediaTypes.OciIndex, Parse(json, MediaTypes.DockerManifestList).MediaType);
    }

    [Theory]
    [InlineData("""{"schemaVersion":1,"name":"library/alpine","tag":"latest","fsLayers":[]}""", null)]
    [InlineData("""{"schemaVersion":1,"fsLayers":[]}""", "application/vnd.docker.distribution.manifest.v1+prettyjws")]
    public void Refuses_docker_schema1_clearly(string json, string? contentType)
    {
        var e = Assert.Throws<NotSupportedException>(() => Parse(json, contentType));
        Assert.Contains("schema 1", e.Message);
    }

    [Fact]
    public void Refuses_an_unknown_media_type_by_name()
    {
        var e = Assert.Throws<UnsupportedMediaTypeException>(() =>
            Parse("""{"schemaVersion":2,"mediaType":"application/vnd.cncf.helm.chart.v1+json"}"""));
        Assert.Equal("application/vnd.cncf.helm.chart.v1+json", e.MediaType);
    }

    [Theory]
    [InlineData($$"""{"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"x","digest":"sha256:nothex","size":1},"layers":[]}""", "config: invalid digest 'sha256:nothex'")]
    [InlineData($$"""{"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"x","digest":"{{C}}","size":-1},"layers":[]}""", "negative size -1")]
    [InlineData($$"""{"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"x","digest":"{{C}}","size":1},"layers":[{"mediaType":"y","digest":"{{L1}}"}]}""", "layers[0]")]
    [InlineData($$"""{"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"x","digest":"{{C}}","size":1} }""", "no layers array")]
    [InlineData($$"""{"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}""", "no config descriptor")]
    [InlineData($$"""{"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"digest":"{{C}}","size":1}]}""", "manifests[0]: missing or non-string 'mediaType'")]
    [InlineData("""{"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[""", "not valid JSON")]
    public void Refuses_invalid_descriptors_saying_where(string json, string reason)
    {
        var e = Assert.Throws<FormatException>(() => Parse(json));
        Assert.Contains(reason, e.Message);
    }
}
