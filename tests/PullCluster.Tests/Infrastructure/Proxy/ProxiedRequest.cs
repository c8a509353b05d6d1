namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// A request a <see cref="FaultProxy"/> received. It is recorded when its head arrives; <see cref="Status"/> is set
/// before the response head is sent and <see cref="BodyBytesSent"/> grows before each body write, so whatever a
/// client has seen is already reflected here.
/// </summary>
public sealed class ProxiedRequest
{
    private int _status;
    private long _bodyBytes;
    private int _outcome;

    internal ProxiedRequest(int sequence, string method, string target, IReadOnlyList<KeyValuePair<string, string>> headers,
        IReadOnlyList<string> faults)
    {
        Sequence = sequence;
        Method = method;
        Target = target;
        Headers = headers;
        Faults = faults;
        ReceivedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>Arrival order, from 0.</summary>
    public int Sequence { get; }

    public string Method { get; }

    /// <summary>Path and query as the client sent them.</summary>
    public string Target { get; }

    public string Path => Target.Split('?', 2)[0];

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The request's Range header, e.g. <c>bytes=1000-</c>.</summary>
    public string? Range => Header("Range");

    /// <summary>Descriptions of the faults applied to this request (empty when it was passed through untouched).</summary>
    public IReadOnlyList<string> Faults { get; }

    public DateTimeOffset ReceivedAt { get; }

    /// <summary>The status sent to the client, injected or forwarded; 0 while none has been sent, or if the connection was dropped.</summary>
    public int Status => Volatile.Read(ref _status);

    /// <summary>Response body bytes sent to the client (after faults: a cut response counts what got through).</summary>
    public long BodyBytesSent => Interlocked.Read(ref _bodyBytes);

    /// <summary>True once the response was sent completely.</summary>
    public bool Completed => Volatile.Read(ref _outcome) == 1;

    /// <summary>True when the connection was reset during this request (cut, drop, or an upstream failure).</summary>
    public bool Aborted => Volatile.Read(ref _outcome) == 2;

    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    internal void SetStatus(int status) => Volatile.Write(ref _status, status);

    internal void AddBodyBytes(long n) => Interlocked.Add(ref _bodyBytes, n);

    internal void Complete() => Interlocked.CompareExchange(ref _outcome, 1, 0);

    internal void Abort() => Interlocked.CompareExchange(ref _outcome, 2, 0);

    public override string ToString() =>
        $"#{Sequence} {Method} {Target}{(Range is null ? "" : $" Range: {Range}")} -> {Status}, {BodyBytesSent} bytes" +
        (Faults.Count > 0 ? $" [{string.Join(", ", Faults)}]" : "") + (Aborted ? " (aborted)" : "");
}
