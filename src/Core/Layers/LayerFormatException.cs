namespace PullCluster.Core.Layers;

/// <summary>A layer that must not be applied: unsafe entry, malformed or truncated tar, corrupt compression, decompression bomb.</summary>
public sealed class LayerFormatException : Exception
{
    public LayerFormatException(string message) : base(message) { }

    public LayerFormatException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The layer expanded beyond a configured bound rather than being malformed.</summary>
    public bool IsDecompressionBomb => InnerException is DecompressionBombException;

    internal static LayerFormatException Entry(string rawName, string reason) =>
        new($"entry '{RawPath.Display(rawName)}' {reason}");
}
