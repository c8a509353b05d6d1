using PullCluster.Core.Formats;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Recovery;

/// <summary>What a node fetched across a crash, as the registry and the fault proxy in front of it saw it.</summary>
public static class BlobFetches
{
    /// <summary>
    /// Each blob was served in full exactly once across the node's runs; a second GET, if any, is one HTTP Range
    /// resume (206) starting exactly where the partial download the kill left behind ends.
    /// </summary>
    public static void AssertServedOnceOrResumed(IReadOnlyList<AccessLogEntry> gets, FaultProxy proxy, IEnumerable<Descriptor> blobs,
        IReadOnlyDictionary<Digest, long> partialsAtKill)
    {
        foreach (var blob in blobs.DistinctBy(b => b.Digest))
        {
            var mine = gets.Where(g => g.Digest == blob.Digest).ToList();
            var seen = $"registry GETs of {blob.Digest}: {string.Join(", ", mine.Select(g => $"{g.Status} ({g.Bytes} bytes)"))}; " +
                $"proxy: {string.Join(", ", proxy.RequestsFor(blob.Digest.ToString(), "GET"))}";
            Assert.True(mine.Count(g => g.Status == 200) == 1, $"blob {blob.Digest} was not served in full exactly once; {seen}");
            var resumes = mine.Where(g => g.Status == 206).ToList();
            Assert.True(resumes.Count <= 1, $"blob {blob.Digest} was resumed more than once; {seen}");
            Assert.True(mine.All(g => g.Status is 200 or 206), $"blob {blob.Digest} had a GET that failed; {seen}");
            if (resumes.Count == 0) continue;
            Assert.True(partialsAtKill.TryGetValue(blob.Digest, out var partial) && partial > 0,
                $"blob {blob.Digest} was resumed although the kill left no partial download of it; {seen}");
            var ranged = Assert.Single(proxy.RequestsFor(blob.Digest.ToString(), "GET"), r => r.Range is not null);
            Assert.Equal($"bytes={partial}-", ranged.Range);
            Assert.Equal(206, ranged.Status);
        }
    }

    /// <summary>
    /// The blob bytes a resumed pull has to fetch: all of each blob the store does not hold, less the partial download
    /// of it that the kill left behind.
    /// </summary>
    public static long StillMissing(IEnumerable<Descriptor> blobs, StoreContents store, IReadOnlyDictionary<Digest, long> partials) =>
        blobs.DistinctBy(b => b.Digest).Sum(b => store.HasBlob(b.Digest) ? 0 : b.Size - partials.GetValueOrDefault(b.Digest));

    /// <summary>Where the proxy's request log stands; requests after it come from whatever runs next.</summary>
    public static int Mark(FaultProxy proxy) => proxy.Requests.Count;

    /// <summary>Blob body bytes the proxy passed to the node for blob GETs that arrived after <paramref name="mark"/>.</summary>
    public static long BytesSince(FaultProxy proxy, int mark) =>
        proxy.Requests.Skip(mark).Where(IsBlobGet).Sum(r => r.BodyBytesSent);

    /// <summary>Blob body bytes the proxy passed to the node for blob GETs before <paramref name="mark"/>.</summary>
    public static long BytesBefore(FaultProxy proxy, int mark) =>
        proxy.Requests.Take(mark).Where(IsBlobGet).Sum(r => r.BodyBytesSent);

    private static bool IsBlobGet(ProxiedRequest r) => r.Method == "GET" && r.Path.Contains("/blobs/sha256:", StringComparison.Ordinal);

    /// <summary>Makes GETs of these blobs crawl, so a kill lands while they download.</summary>
    public static void SlowDown(FaultProxy proxy, IEnumerable<Digest> blobs, long bytesPerSecond)
    {
        foreach (var digest in blobs)
            proxy.Inject(Fault.Throttle(bytesPerSecond), pathContains: digest.ToString(), method: "GET", times: FaultRule.Always);
    }
}
