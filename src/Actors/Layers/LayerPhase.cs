using PullCluster.Core.Gateway;

namespace PullCluster.Actors.Layers;

/// <summary>
/// Where a layer's blob and unpack stand. The actors keep and send this; docker's wording (<see cref="LayerStates"/>)
/// is made from it only where a PullProgress is built for callers.
/// </summary>
public enum LayerPhase
{
    Waiting,
    Downloading,
    Verifying,
    Downloaded,
    Extracting,
    Complete,
    Exists,
    Failed,
}

public static class LayerPhases
{
    /// <summary>The state as docker pull shows it.</summary>
    public static string Display(this LayerPhase phase) => phase switch
    {
        LayerPhase.Waiting => LayerStates.Waiting,
        LayerPhase.Downloading => LayerStates.Downloading,
        LayerPhase.Verifying => LayerStates.Verifying,
        LayerPhase.Downloaded => LayerStates.Downloaded,
        LayerPhase.Extracting => LayerStates.Extracting,
        LayerPhase.Complete => LayerStates.Complete,
        LayerPhase.Exists => LayerStates.Exists,
        LayerPhase.Failed => LayerStates.Failed,
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "no display state"),
    };
}
