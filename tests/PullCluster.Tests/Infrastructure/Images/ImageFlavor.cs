using PullCluster.Core.Formats;

namespace PullCluster.Tests.Infrastructure;

/// <summary>Which family of media types an image's manifest, config and layers use.</summary>
public enum ImageFlavor { Oci, Docker }

public static class ImageFlavorMediaTypes
{
    public static string Manifest(this ImageFlavor flavor) =>
        flavor == ImageFlavor.Oci ? MediaTypes.OciManifest : MediaTypes.DockerManifest;

    public static string Config(this ImageFlavor flavor) =>
        flavor == ImageFlavor.Oci ? MediaTypes.OciConfig : MediaTypes.DockerConfig;

    public static string Index(this ImageFlavor flavor) =>
        flavor == ImageFlavor.Oci ? MediaTypes.OciIndex : MediaTypes.DockerManifestList;

    /// <summary>Docker has no zstd layer type; like moby, Docker manifests use the OCI one for zstd.</summary>
    public static string Layer(this ImageFlavor flavor, LayerCompression compression) => (flavor, compression) switch
    {
        (ImageFlavor.Oci, LayerCompression.None) => MediaTypes.OciLayer,
        (ImageFlavor.Oci, LayerCompression.Gzip) => MediaTypes.OciLayerGzip,
        (ImageFlavor.Docker, LayerCompression.None) => MediaTypes.DockerLayer,
        (ImageFlavor.Docker, LayerCompression.Gzip) => MediaTypes.DockerLayerGzip,
        (_, LayerCompression.Zstd) => MediaTypes.OciLayerZstd,
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, "unknown layer compression"),
    };
}
