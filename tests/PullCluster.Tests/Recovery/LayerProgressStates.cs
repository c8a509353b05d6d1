using PullCluster.Core.Gateway;

namespace PullCluster.Tests.Recovery;

/// <summary>Reading a pull's progress lines: which blobs are held, which are in flight, how far the pull got.</summary>
public static class LayerProgressStates
{
    /// <summary>States in which the layer's blob is verified and journaled (waiters hear of a blob only after the journal).</summary>
    public static bool BlobHeld(LayerProgressDto layer) =>
        layer.State is LayerStates.Downloaded or LayerStates.Extracting or LayerStates.Complete or LayerStates.Exists;

    /// <summary>Downloading with some but not all bytes in.</summary>
    public static bool InFlight(LayerProgressDto layer) =>
        layer.State == LayerStates.Downloading && layer.Done > 0 && layer.Done < layer.Size;

    /// <summary>A download whose first bytes have not arrived: a kill now would leave no partial to resume from.</summary>
    public static bool Starting(LayerProgressDto layer) =>
        layer.State == LayerStates.Downloading && layer.Done == 0;

    /// <summary>Layer blob bytes in, as a fraction of the layers' total.</summary>
    public static double Fraction(PullProgressDto progress)
    {
        var total = progress.Layers.Sum(l => l.Size);
        var done = progress.Layers.Sum(l => BlobHeld(l) || l.State == LayerStates.Verifying ? l.Size : l.Done);
        return total == 0 ? 0 : (double)done / total;
    }
}
