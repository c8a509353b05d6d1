using PullCluster.Core.Formats;

namespace PullCluster.Core.Layers;

/// <param name="DiffId">SHA-256 of the whole uncompressed tar stream, as the image config's rootfs.diff_ids lists it.</param>
/// <param name="UncompressedBytes">Length of the uncompressed tar stream.</param>
/// <param name="Entries">Tar entries read, not counting PAX and GNU long-name headers.</param>
public sealed record LayerUnpackResult(Digest DiffId, long UncompressedBytes, int Entries)
{
    /// <summary>Directories created for entries whose parent had no entry of its own (relative paths, for display).</summary>
    public IReadOnlyList<string> ImplicitDirectories { get; init; } = [];

    /// <summary>What only the layers below can settle; see <see cref="LayerUnpacker.Rebase"/>.</summary>
    public LowerReferences Lower { get; init; } = LowerReferences.None;
}
