using System.Text.Json.Nodes;
using PullCluster.Core.Formats;

namespace PullCluster.Tests.Infrastructure;

/// <summary>A multi-platform image: an OCI image index or a Docker manifest list over built images.</summary>
public sealed class TestIndex : ITestArtifact
{
    private TestIndex(ImageFlavor flavor, TestBlob manifest, IReadOnlyList<TestImage> images)
    {
        Flavor = flavor;
        Manifest = manifest;
        Images = images;
    }

    public static TestIndex Oci(params TestImage[] images) => Build(ImageFlavor.Oci, images, null);

    public static TestIndex DockerManifestList(params TestImage[] images) => Build(ImageFlavor.Docker, images, null);

    /// <summary>An index whose JSON the test edits before hashing (e.g. a platform entry that lies).</summary>
    public static TestIndex Build(ImageFlavor flavor, IReadOnlyList<TestImage> images, Action<JsonObject>? edit)
    {
        var json = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = flavor.Index(),
            ["manifests"] = new JsonArray(images.Select(i =>
            {
                var entry = ImageJson.Descriptor(i.Manifest.MediaType, i.Manifest.Digest, i.Manifest.Size);
                entry["platform"] = ImageJson.Platform(i.Platform);
                return (JsonNode)entry;
            }).ToArray()),
        };
        edit?.Invoke(json);
        return new TestIndex(flavor, new TestBlob(flavor.Index(), ImageJson.Serialize(json)), images);
    }

    public ImageFlavor Flavor { get; }

    public TestBlob Manifest { get; }

    public IReadOnlyList<TestImage> Images { get; }

    public Digest Digest => Manifest.Digest;

    private ArtifactContent Content => new(
        Images.SelectMany(i => i.Content.Blobs).ToList(),
        Images.Select(i => i.Manifest).ToList(),
        Manifest);

    public Task<PushResult> PushAsync(RegistryProcess registry, string repository, string tag) =>
        RegistryPusher.PushAsync(registry, repository, tag, Content);

    public void WriteOciLayout(string layoutDir, string tag) => OciLayoutWriter.Write(layoutDir, tag, Content);

    public override string ToString() => $"{Flavor} index {Digest} ({Images.Count} images)";
}
