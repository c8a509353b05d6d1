using System.Text.Json.Nodes;
using PullCluster.Core.Formats;

namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// Builds a single-platform image. Start with <see cref="TestImage.Oci"/> or <see cref="TestImage.Docker"/>.
/// Lies are explicit: <see cref="OverrideLayerDescriptor"/> and <see cref="EditManifest"/> change what the manifest
/// claims, <see cref="EditConfig"/> what the config claims (e.g. diff_ids), and <see cref="CorruptStoredLayer"/> what a
/// registry or layout stores under a layer's honest digest.
/// </summary>
public sealed class TestImageBuilder
{
    private static readonly DateTimeOffset Created = LayerBuilder.DefaultModificationTime;

    private readonly ImageFlavor _flavor;
    private readonly Platform _platform;
    private readonly List<TestLayer> _layers = [];
    private readonly List<Action<JsonObject>> _configEdits = [];
    private readonly List<Action<JsonObject>> _manifestEdits = [];
    private readonly Dictionary<int, Func<byte[], byte[]>> _corruptLayers = [];
    private Func<byte[], byte[]>? _corruptConfig;

    internal TestImageBuilder(ImageFlavor flavor, Platform platform)
    {
        _flavor = flavor;
        _platform = platform;
    }

    public TestImageBuilder Layer(Action<LayerBuilder> describe, LayerCompression compression = LayerCompression.Gzip) =>
        Layer(TestLayer.Build(describe, compression));

    public TestImageBuilder Layer(TestLayer layer)
    {
        _layers.Add(layer);
        return this;
    }

    public TestImageBuilder Layers(IEnumerable<TestLayer> layers)
    {
        _layers.AddRange(layers);
        return this;
    }

    /// <summary>Edits the config JSON (os, architecture, config.Env, rootfs.diff_ids, history…) before it is hashed.</summary>
    public TestImageBuilder EditConfig(Action<JsonObject> edit)
    {
        _configEdits.Add(edit);
        return this;
    }

    /// <summary>Edits the manifest JSON before it is hashed; runs after <see cref="OverrideLayerDescriptor"/>.</summary>
    public TestImageBuilder EditManifest(Action<JsonObject> edit)
    {
        _manifestEdits.Add(edit);
        return this;
    }

    /// <summary>
    /// Makes the manifest's descriptor of layer <paramref name="index"/> claim another size, digest or media type;
    /// the real blob is still pushed. The registry accepts a wrong size; a digest it does not hold makes it refuse the
    /// manifest, so point a lying digest at another blob of the image.
    /// </summary>
    public TestImageBuilder OverrideLayerDescriptor(int index, long? size = null, Digest? digest = null, string? mediaType = null) =>
        EditManifest(m =>
        {
            var layer = m["layers"]![index]!;
            if (size is not null) layer["size"] = size.Value;
            if (digest is not null) layer["digest"] = digest.Value.ToString();
            if (mediaType is not null) layer["mediaType"] = mediaType;
        });

    /// <summary>
    /// After the push (or in the layout), the stored bytes of layer <paramref name="index"/> are replaced by
    /// <paramref name="corrupt"/>(blob) — by default one flipped byte in the middle — so a registry serves bytes that
    /// do not match the digest. The registry stores blobs once for all repositories, so every image sharing the layer
    /// in that registry is affected.
    /// </summary>
    public TestImageBuilder CorruptStoredLayer(int index, Func<byte[], byte[]>? corrupt = null)
    {
        _corruptLayers[index] = corrupt ?? FlipMiddleByte;
        return this;
    }

    /// <summary>Like <see cref="CorruptStoredLayer"/>, for the config blob.</summary>
    public TestImageBuilder CorruptStoredConfig(Func<byte[], byte[]>? corrupt = null)
    {
        _corruptConfig = corrupt ?? FlipMiddleByte;
        return this;
    }

    public TestImage Build()
    {
        var config = new JsonObject
        {
            ["created"] = Created.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        };
        foreach (var (k, v) in ImageJson.Platform(_platform)) config[k] = v?.DeepClone();
        config["config"] = new JsonObject
        {
            ["Env"] = new JsonArray("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
            ["Cmd"] = new JsonArray("/bin/sh"),
        };
        config["rootfs"] = new JsonObject
        {
            ["type"] = "layers",
            ["diff_ids"] = new JsonArray(_layers.Select(l => (JsonNode)l.DiffId.ToString()).ToArray()),
        };
        config["history"] = new JsonArray(_layers.Select((_, i) => (JsonNode)new JsonObject
        {
            ["created"] = Created.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            ["created_by"] = $"pullcluster test layer {i}",
        }).ToArray());
        foreach (var edit in _configEdits) edit(config);
        var configBlob = new TestBlob(_flavor.Config(), ImageJson.Serialize(config));

        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = _flavor.Manifest(),
            ["config"] = ImageJson.Descriptor(configBlob.MediaType, configBlob.Digest, configBlob.Size),
            ["layers"] = new JsonArray(_layers.Select(l => (JsonNode)ImageJson.Descriptor(l.MediaType(_flavor), l.Digest, l.Size)).ToArray()),
        };
        foreach (var edit in _manifestEdits) edit(manifest);
        var manifestBlob = new TestBlob(_flavor.Manifest(), ImageJson.Serialize(manifest));

        var uploads = new List<BlobUpload>
        {
            new(configBlob.Digest, configBlob.MediaType, configBlob.Bytes, _corruptConfig?.Invoke(configBlob.Bytes)),
        };
        uploads.AddRange(_layers.Select((l, i) => new BlobUpload(
            l.Digest, l.MediaType(_flavor), l.Blob, _corruptLayers.TryGetValue(i, out var corrupt) ? corrupt(l.Blob) : null)));
        return new TestImage(_flavor, _platform, manifestBlob, configBlob, _layers.ToList(), uploads);
    }

    private static byte[] FlipMiddleByte(byte[] blob)
    {
        if (blob.Length == 0) throw new InvalidOperationException("cannot corrupt an empty blob by flipping a byte");
        var copy = (byte[])blob.Clone();
        copy[copy.Length / 2] ^= 0xFF;
        return copy;
    }
}
