using PullCluster.Core.Formats;

namespace PullCluster.Tests.Recovery;

/// <summary>The store's files the specs look at: blobs, partial downloads, layer directories, staging.</summary>
public sealed class StoreContents(string store)
{
    public string BlobPath(Digest digest) => Path.Combine(store, "blobs", digest.Algorithm, digest.Hex);

    public string LayerPath(Digest chainId) => Path.Combine(store, "layers", chainId.Algorithm, chainId.Hex);

    public string Staging => Path.Combine(store, "layers", "staging");

    public string JournalDb => Path.Combine(store, "journal.db");

    public bool HasBlob(Digest digest) => File.Exists(BlobPath(digest));

    /// <summary>Lengths of the partial downloads under ingest/, by digest.</summary>
    public IReadOnlyDictionary<Digest, long> Partials()
    {
        var dir = Path.Combine(store, "ingest");
        if (!Directory.Exists(dir)) return new Dictionary<Digest, long>();
        return Directory.EnumerateFiles(dir, "*.partial")
            .Select(f => (Name: Path.GetFileNameWithoutExtension(f), Length: new FileInfo(f).Length))
            .Where(p => p.Name.StartsWith("sha256-", StringComparison.Ordinal))
            .ToDictionary(p => Digest.Parse("sha256:" + p.Name["sha256-".Length..]), p => p.Length);
    }

    /// <summary>Committed layer directories (chain IDs).</summary>
    public IReadOnlyList<string> LayerDirectories()
    {
        var dir = Path.Combine(store, "layers", "sha256");
        return Directory.Exists(dir) ? Directory.EnumerateDirectories(dir).Select(d => Path.GetFileName(d)).ToList() : [];
    }

    /// <summary>Whatever is left in layers/staging.</summary>
    public IReadOnlyList<string> StagingEntries() =>
        Directory.Exists(Staging) ? Directory.EnumerateFileSystemEntries(Staging).Select(e => Path.GetFileName(e)).ToList() : [];
}
