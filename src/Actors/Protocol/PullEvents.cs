namespace PullCluster.Actors.Protocol;

/// <summary>One layer's state as docker pull shows it (see Core.Gateway.LayerStates).</summary>
public sealed record LayerProgress(string Digest, long Size, long Done, string State);

/// <summary>Sent while a pull runs: on every layer state change and at most every progress-interval for bytes.</summary>
public sealed record PullProgress(string Image, IReadOnlyList<LayerProgress> Layers) : IApiMessage;
