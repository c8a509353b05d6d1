namespace PullCluster.Core.Formats;

public enum LayerCompression { None, Gzip, Zstd }

public static class MediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    public const string OciNondistributableLayer = "application/vnd.oci.image.layer.nondistributable.v1.tar";
    public const string OciNondistributableLayerGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
    public const string OciNondistributableLayerZstd = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
    public const string DockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

    /// <summary>What PullCluster asks a registry for, in order of preference.</summary>
    public static readonly string[] ManifestAccept = [OciIndex, OciManifest, DockerManifestList, DockerManifest];

    public static bool IsIndex(string mediaType) => mediaType is OciIndex or DockerManifestList;
    public static bool IsManifest(string mediaType) => mediaType is OciManifest or DockerManifest;

    /// <summary>The compression a layer media type implies; unknown types are refused by name rather than guessed.</summary>
    public static LayerCompression CompressionOf(string mediaType) => mediaType switch
    {
        OciLayer or OciNondistributableLayer or DockerLayer => LayerCompression.None,
        OciLayerGzip or OciNondistributableLayerGzip or DockerLayerGzip or DockerForeignLayerGzip => LayerCompression.Gzip,
        OciLayerZstd or OciNondistributableLayerZstd => LayerCompression.Zstd,
        _ => throw new UnsupportedMediaTypeException(mediaType),
    };

    public static bool IsLayer(string mediaType) => TryCompressionOf(mediaType, out _);

    public static bool TryCompressionOf(string mediaType, out LayerCompression compression)
    {
        try
        {
            compression = CompressionOf(mediaType);
            return true;
        }
        catch (UnsupportedMediaTypeException)
        {
            compression = default;
            return false;
        }
    }
}

public sealed class UnsupportedMediaTypeException(string mediaType)
    : Exception($"unsupported media type '{mediaType}'")
{
    public string MediaType { get; } = mediaType;
}
