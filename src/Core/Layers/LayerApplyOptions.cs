namespace PullCluster.Core.Layers;

public sealed record LayerApplyOptions
{
    /// <summary>Set owners from the tar (lchown); only root may.</summary>
    public bool PreserveOwnership { get; init; } = Environment.IsPrivilegedProcess;

    public WhiteoutStyle Whiteouts { get; init; } = Environment.IsPrivilegedProcess ? WhiteoutStyle.Overlay : WhiteoutStyle.Aufs;

    /// <summary>Decompression-bomb bound on the total uncompressed tar bytes.</summary>
    public long MaxUncompressedBytes { get; init; } = 64L << 30;

    /// <summary>Bound on uncompressed/compressed bytes, enforced once the first <see cref="RatioGraceBytes"/> are out.</summary>
    public long MaxExpansionRatio { get; init; } = 1000;

    /// <summary>fsync every file written; slow, normally the caller does one syncfs per layer instead.</summary>
    public bool SyncFiles { get; init; } = false;

    public const long RatioGraceBytes = 64L << 20;
}
