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

    /// <summary>
    /// Unpacked diffs of the layers below, nearest first. A directory the tar only implies (a file's parent without an
    /// entry of its own) takes its mode, owner, times and xattrs from the nearest of these that has it, as containerd's
    /// overlay applier does; otherwise it gets 0755 and the current time. Without this, an implied directory in an upper
    /// layer would mask the metadata of the real one below. Entries below a lower layer's symlink and hardlinks to lower
    /// files are placed as <see cref="LayerUnpacker.Rebase"/> says, which does the same for layers unpacked before their parents.
    /// </summary>
    public IReadOnlyList<string> ParentLayers { get; init; } = [];

    public const long RatioGraceBytes = 64L << 20;
}
