namespace PullCluster.Core.Layers;

/// <summary>How an unpacked layer diff records deletions and opaque directories.</summary>
public enum WhiteoutStyle
{
    /// <summary>
    /// As overlayfs reads them (containerd's overlayfs snapshotter): a deleted path becomes a character device 0:0,
    /// an opaque directory carries the xattr <c>trusted.overlay.opaque=y</c>. Needs root.
    /// </summary>
    Overlay,

    /// <summary>The <c>.wh.*</c> marker files are kept exactly as the tar has them.</summary>
    Aufs,
}
