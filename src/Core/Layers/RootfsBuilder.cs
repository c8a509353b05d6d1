namespace PullCluster.Core.Layers;

public static class RootfsBuilder
{
    /// <summary>
    /// Builds a flattened root file system in <paramref name="targetDir"/> (existing, empty) from layer diff directories
    /// ordered bottom → top, as <see cref="LayerUnpacker.UnpackDiff"/> leaves them in either whiteout style: later layers
    /// override earlier ones, whiteouts delete, opaque directories hide lower content. Files are copied (never linked to
    /// the layer store); hardlinks within a layer stay hardlinks; modes, owners (with
    /// <see cref="LayerApplyOptions.PreserveOwnership"/>), times and xattrs other than trusted.overlay.* are kept;
    /// whiteout markers never appear in the result. The layer roots' own metadata is not applied to the target.
    /// </summary>
    public static void Flatten(IReadOnlyList<string> layerDirs, string targetDir, LayerApplyOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(layerDirs);
        ArgumentNullException.ThrowIfNull(options);
        var layers = layerDirs.Select(TargetDirectory.RequireDirectory).ToList();
        var root = TargetDirectory.RequireEmpty(targetDir);
        using var merger = new LayerMerger(root, options, ct);
        foreach (var layer in layers)
        {
            ct.ThrowIfCancellationRequested();
            merger.Apply(layer);
        }
        merger.Finish();
    }
}
