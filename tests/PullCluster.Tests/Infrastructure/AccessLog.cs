using System.Diagnostics;
using PullCluster.Core.Formats;

namespace PullCluster.Tests.Infrastructure;

/// <summary>A position in an <see cref="AccessLog"/>; entries logged after it are "since" the mark.</summary>
public readonly record struct AccessLogMark(int Line);

/// <summary>
/// The registry's access log as it arrives on the process's stdout. The registry writes a line just after it
/// finishes a response, so a client can see a response before its line exists: call
/// <see cref="WaitForQuietAsync"/> before counting.
/// </summary>
public sealed class AccessLog
{
    internal const string SentinelQuery = "pullcluster-quiet=";

    private readonly List<string> _lines = [];
    private readonly List<AccessLogEntry> _entries = [];
    private readonly List<int> _entryLine = [];
    private readonly Func<string, Task> _sendSentinel;

    internal AccessLog(Func<string, Task> sendSentinel) => _sendSentinel = sendSentinel;

    /// <summary>Every line received so far, parsed or not (for failure messages).</summary>
    public IReadOnlyList<string> Lines
    {
        get { lock (_lines) return _lines.ToArray(); }
    }

    public AccessLogMark Mark()
    {
        lock (_lines) return new AccessLogMark(_lines.Count);
    }

    /// <summary>Parsed entries logged after <paramref name="since"/>, excluding this class's own sentinel requests.</summary>
    public IReadOnlyList<AccessLogEntry> Entries(AccessLogMark since = default)
    {
        lock (_lines)
        {
            var result = new List<AccessLogEntry>();
            for (var i = 0; i < _entries.Count; i++)
                if (_entryLine[i] >= since.Line && !IsSentinel(_entries[i])) result.Add(_entries[i]);
            return result;
        }
    }

    /// <summary>GET requests for blobs (any status), in log order.</summary>
    public IReadOnlyList<AccessLogEntry> BlobGets(AccessLogMark since = default) =>
        Entries(since).Where(e => e.Endpoint == RegistryEndpoint.Blob && e.Method == "GET").ToList();

    /// <summary>Body bytes the registry wrote for successful (200/206) blob GETs.</summary>
    public long ServedBlobBytes(AccessLogMark since = default) =>
        Entries(since).Where(e => e.IsSuccessfulBlobGet).Sum(e => e.Bytes);

    /// <summary>How many successful (200/206) GETs each blob had.</summary>
    public IReadOnlyDictionary<Digest, int> GetsPerBlob(AccessLogMark since = default) =>
        Entries(since).Where(e => e.IsSuccessfulBlobGet && e.Digest is not null)
            .GroupBy(e => e.Digest!.Value)
            .ToDictionary(g => g.Key, g => g.Count());

    /// <summary>
    /// Returns once every request that completed before the call is in the log and no new line arrived for
    /// <paramref name="quietPeriod"/> (default 100 ms). It sends a marker request and waits for its line, so it also
    /// works when nothing else is happening. Throws if the log is still busy after <paramref name="timeout"/>.
    /// </summary>
    public async Task WaitForQuietAsync(TimeSpan? quietPeriod = null, TimeSpan? timeout = null)
    {
        var quiet = quietPeriod ?? TimeSpan.FromMilliseconds(100);
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        while (true)
        {
            var token = Guid.NewGuid().ToString("N");
            await _sendSentinel(token);
            while (!SentinelLogged(token))
            {
                if (deadline.Elapsed > limit)
                    throw new TimeoutException($"the registry did not log marker request {token} within {limit}");
                await Task.Delay(5);
            }
            var before = Mark();
            await Task.Delay(quiet);
            if (Mark() == before) return;
            if (deadline.Elapsed > limit)
                throw new TimeoutException($"the registry's access log kept growing for {limit}");
        }
    }

    internal void Append(string line)
    {
        var entry = AccessLogEntry.TryParse(line);
        lock (_lines)
        {
            if (entry is not null)
            {
                _entries.Add(entry);
                _entryLine.Add(_lines.Count);
            }
            _lines.Add(line);
        }
    }

    private bool SentinelLogged(string token)
    {
        lock (_lines)
        {
            for (var i = _entries.Count - 1; i >= 0; i--)
                if (_entries[i].Query.EndsWith(SentinelQuery + token, StringComparison.Ordinal)) return true;
            return false;
        }
    }

    private static bool IsSentinel(AccessLogEntry e) =>
        e.Endpoint == RegistryEndpoint.Base && e.Query.StartsWith(SentinelQuery, StringComparison.Ordinal);
}
