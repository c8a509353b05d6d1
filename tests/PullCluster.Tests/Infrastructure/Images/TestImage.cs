using System.Text.Json.Nodes;
using PullCluster.Core.Formats;

namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// A built single-platform image: manifest, config and layers as exact bytes.
/// <code>
/// var image = TestImage.Oci()
///     .Layer(l => l.Dir("etc").File("etc/hello", "hi\n").Symlink("etc/link", "hello"))
///     .Layer(l => l.Whiteout("etc/link"), LayerCompression.Zstd)
///     .Build();
/// var pushed = await image.PushAsync(registry, "app", "1");
/// </code>
/// </summary>
public sealed class TestImage : ITestArtifact
{
    private readonly IReadOnlyList<BlobUpload> _uploads;

    internal TestImage(ImageFlavor flavor, Platform platform, TestBlob manifest, TestBlob config, IReadOnlyList<TestLayer> layers,
        IReadOnlyList<BlobUpload> uploads)
    {
        Flavor = flavor;
        Platform = platform;
        Manifest = manifest;
        Config = config;
        Layers = layers;
        _uploads = uploads;
    }

    public static TestImageBuilder Oci(string platform = "linux/amd64") => new(ImageFlavor.Oci, Core.Formats.Platform.Parse(platform));

    /// <summary>Docker schema2 manifest, Docker config and Docker layer media types.</summary>
    public static TestImageBuilder Docker(string platform = "linux/amd64") => new(ImageFlavor.Docker, Core.Formats.Platform.Parse(platform));

    public ImageFlavor Flavor { get; }

    public Platform Platform { get; }

    public TestBlob Manifest { get; }

    public TestBlob Config { get; }

    public IReadOnlyList<TestLayer> Layers { get; }

    public Digest Digest => Manifest.Digest;

    /// <summary>The manifest's descriptor with its platform, as an index lists it.</summary>
    public Descriptor Descriptor => new(Manifest.MediaType, Manifest.Digest, Manifest.Size, Platform);

    /// <summary>The layer descriptors as the manifest states them, lies included.</summary>
    public IReadOnlyList<Descriptor> LayerDescriptors =>
        JsonNode.Parse(Manifest.Bytes)!["layers"]!.AsArray()
            .Select(l => new Descriptor(l!["mediaType"]!.GetValue<string>(), Digest.Parse(l["digest"]!.GetValue<string>()), l["size"]!.GetValue<long>()))
            .ToList();

    internal ArtifactContent Content => new(_uploads, [], Manifest);

    public Task<PushResult> PushAsync(RegistryProcess registry, string repository, string tag) =>
        RegistryPusher.PushAsync(registry, repository, tag, Content);

    public void WriteOciLayout(string layoutDir, string tag) => OciLayoutWriter.Write(layoutDir, tag, Content);

    public override string ToString() => $"{Flavor} image {Digest} ({Platform}, {Layers.Count} layers)";
}
