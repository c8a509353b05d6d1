using PullCluster.Core.Formats;
using PullCluster.Core.Store;

namespace PullCluster.Actors.Journal;

/// <summary>
/// Checks the journal against the disk after recovery. The disk wins: a journaled blob or layer that is
/// missing (or a blob of the wrong size) is forgotten so it is fetched again; a blob on disk the journal
/// does not know is hashed and adopted if it verifies (deleted if not); a committed layer directory the
/// journal does not know (a crash between the commit's rename and the journal write) is adopted, since a
/// layer directory only becomes visible complete.
/// </summary>
public static class StoreReconciler
{
    public static IReadOnlyList<IJournalEvent> Reconcile(JournalState state, ContentStore content, LayerStore layers)
    {
        var corrections = new List<IJournalEvent>();
        var onDisk = content.List().Select(d => d.ToString()).ToHashSet(StringComparer.Ordinal);

        foreach (var (digest, size) in state.Blobs)
        {
            if (!onDisk.Contains(digest))
                corrections.Add(new ContentForgotten(ContentKinds.Blob, digest, "missing from the content store"));
            else if (content.SizeOf(Digest.Parse(digest)) != size)
            {
                content.Delete(Digest.Parse(digest));
                corrections.Add(new ContentForgotten(ContentKinds.Blob, digest, $"size on disk is not the journaled {size} bytes"));
            }
        }
        var buffer = new byte[1 << 20];
        foreach (var digest in onDisk.Where(d => !state.Blobs.ContainsKey(d)))
        {
            var d = Digest.Parse(digest);
            if (Verify(content, d, buffer)) corrections.Add(new BlobRecorded(digest, content.SizeOf(d)));
            else content.Delete(d);
        }

        var layerDirs = layers.List().Select(c => c.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var chainId in state.Layers.Keys.Where(c => !layers.Has(Digest.Parse(c))))
            corrections.Add(new ContentForgotten(ContentKinds.Layer, chainId, "missing from the layer store"));
        foreach (var chainId in layerDirs.Where(c => !state.Layers.ContainsKey(c)))
        {
            var info = layers.ReadInfo(Digest.Parse(chainId));
            if (info is null) layers.Delete(Digest.Parse(chainId));
            else corrections.Add(new LayerRecorded(info.ChainId, info.Parent, info.DiffId, info.Blob));
        }
        return corrections;
    }

    /// <summary>Re-hashes journaled blobs; returns those whose bytes no longer match their digest (and deletes them).</summary>
    public static IReadOnlyList<IJournalEvent> VerifyBlobs(IEnumerable<string> digests, ContentStore content, CancellationToken ct)
    {
        var corrections = new List<IJournalEvent>();
        var buffer = new byte[1 << 20];
        foreach (var digest in digests)
        {
            ct.ThrowIfCancellationRequested();
            var d = Digest.Parse(digest);
            if (!content.Has(d) || Verify(content, d, buffer)) continue;
            content.Delete(d);
            corrections.Add(new ContentForgotten(ContentKinds.Blob, digest, "content does not match its digest"));
        }
        return corrections;
    }

    // One caller-owned buffer and an unbuffered stream: adopting 100,000 small blobs is otherwise dominated
    // by allocating a fresh megabyte per file rather than by hashing.
    private static bool Verify(ContentStore content, Digest digest, byte[] buffer)
    {
        try
        {
            using var file = new FileStream(content.PathOf(digest), FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan);
            using var hash = digest.CreateHasher();
            int n;
            while ((n = file.Read(buffer)) > 0) hash.AppendData(buffer, 0, n);
            return Digest.FromHash(digest.Algorithm, hash.GetHashAndReset()) == digest;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
