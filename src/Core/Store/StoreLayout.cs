using PullCluster.Core.Formats;

namespace PullCluster.Core.Store;

/// <summary>
/// Where everything lives under one store directory. Every final name is reached only by an atomic rename,
/// so a reader never sees a half-written blob, layer or record.
/// </summary>
public sealed class StoreLayout
{
    public StoreLayout(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }
    public string Blobs => Path.Combine(Root, "blobs");
    public string Ingest => Path.Combine(Root, "ingest");
    public string Layers => Path.Combine(Root, "layers");
    public string LayerStaging => Path.Combine(Root, "layers", "staging");
    public string Images => Path.Combine(Root, "images");
    public string Tmp => Path.Combine(Root, "tmp");
    public string NodeLock => Path.Combine(Root, "store.lock");

    /// <summary>Touched while the node is a member of a farm: how a restart knows it was one a moment ago.</summary>
    public string FarmMarker => Path.Combine(Root, "farm-member");

    public string BlobPath(Digest d) => Path.Combine(Blobs, d.Algorithm, d.Hex);
    public string IngestPath(Digest d) => Path.Combine(Ingest, $"{d.Algorithm}-{d.Hex}.partial");
    public string LayerPath(Digest chainId) => Path.Combine(Layers, chainId.Algorithm, chainId.Hex);
    public string LayerInfoPath(Digest chainId) => Path.Combine(Layers, chainId.Algorithm, chainId.Hex + ".json");

    /// <summary>The default store: $XDG_DATA_HOME/pullcluster, else ~/.local/share/pullcluster.</summary>
    public static string DefaultRoot()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var baseDir = !string.IsNullOrEmpty(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(baseDir, "pullcluster");
    }

    public void EnsureCreated()
    {
        foreach (var dir in new[] { Root, Path.Combine(Blobs, "sha256"), Ingest, Path.Combine(Layers, "sha256"), LayerStaging, Images, Tmp })
            Directory.CreateDirectory(dir);
    }
}
