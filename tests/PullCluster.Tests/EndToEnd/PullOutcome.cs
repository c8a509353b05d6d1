using PullCluster.Actors.Protocol;
using Xunit.Sdk;

namespace PullCluster.Tests.EndToEnd;

/// <summary>Everything one caller received for one PullImage: the progress events in order, then the result.</summary>
internal sealed record PullOutcome(IReadOnlyList<PullProgress> Progress, object Result)
{
    public PullSucceeded Succeeded => Result switch
    {
        PullSucceeded s => s,
        PullFailed f => throw new XunitException($"expected {f.Image} to be pulled, it failed: {f.Reason}"),
        _ => throw new XunitException($"expected PullSucceeded, got {Result}"),
    };

    public PullFailed Failed => Result switch
    {
        PullFailed f => f,
        PullSucceeded s => throw new XunitException($"expected the pull of {s.Image} to fail, it succeeded ({s.ManifestDigest})"),
        _ => throw new XunitException($"expected PullFailed, got {Result}"),
    };

    /// <summary>The states one layer went through, as successive progress events showed them (repeats collapsed).</summary>
    public IReadOnlyList<string> StatesOf(string layerDigest)
    {
        var states = new List<string>();
        foreach (var p in Progress)
            foreach (var layer in p.Layers.Where(l => l.Digest == layerDigest))
                if (states.Count == 0 || states[^1] != layer.State) states.Add(layer.State);
        return states;
    }

    /// <summary>Index of the first progress event in which the layer is in one of <paramref name="states"/>; -1 if none.</summary>
    public int FirstEvent(string layerDigest, params string[] states)
    {
        for (var i = 0; i < Progress.Count; i++)
            if (Progress[i].Layers.Any(l => l.Digest == layerDigest && states.Contains(l.State))) return i;
        return -1;
    }

    public override string ToString() => $"{Result} after {Progress.Count} progress events";
}
