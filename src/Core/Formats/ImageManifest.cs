namespace PullCluster.Core.Formats;

/// <summary>A parsed manifest body: either one image (<see cref="ImageManifest"/>) or a list of them (<see cref="ImageIndex"/>).</summary>
public abstract record ManifestDocument(string MediaType);

/// <summary>One image: its config blob and its layers, base layer first (OCI image manifest or Docker schema 2).</summary>
public sealed record ImageManifest(
    string MediaType,
    Descriptor Config,
    IReadOnlyList<Descriptor> Layers,
    IReadOnlyDictionary<string, string>? Annotations = null) : ManifestDocument(MediaType);
