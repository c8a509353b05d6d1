namespace PullCluster.Core.Formats;

/// <summary>An OCI content descriptor: what a manifest says about a blob before it is fetched.</summary>
public sealed record Descriptor(
    string MediaType,
    Digest Digest,
    long Size,
    Platform? Platform = null,
    IReadOnlyDictionary<string, string>? Annotations = null,
    IReadOnlyList<string>? Urls = null);
