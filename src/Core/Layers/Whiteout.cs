namespace PullCluster.Core.Layers;

/// <summary>The OCI/aufs whiteout names.</summary>
internal static class Whiteout
{
    public const string Prefix = ".wh.";
    public const string MetaPrefix = ".wh..wh.";
    public const string Opaque = ".wh..wh..opq";

    public static ReadOnlySpan<byte> OverlayOpaqueXattr => "trusted.overlay.opaque"u8;
    public static ReadOnlySpan<byte> OverlayXattrPrefix => "trusted.overlay."u8;

    /// <summary>The name a ".wh.NAME" marker deletes, or null when the marker is malformed.</summary>
    public static string? Target(string baseName)
    {
        var target = baseName[Prefix.Length..];
        return target is "" or "." or ".." ? null : target;
    }
}
