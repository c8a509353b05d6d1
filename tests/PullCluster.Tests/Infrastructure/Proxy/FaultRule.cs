namespace PullCluster.Tests.Infrastructure;

/// <summary>A fault bound to the requests it applies to; returned by <see cref="FaultProxy.Inject"/>.</summary>
public sealed class FaultRule
{
    public const int Always = int.MaxValue;

    private int _remaining;
    private int _toSkip;
    private int _hits;

    internal FaultRule(Fault fault, string? pathContains, string? method, int times, int skip)
    {
        if (times <= 0) throw new ArgumentOutOfRangeException(nameof(times), times, "a fault rule must apply at least once");
        if (skip < 0) throw new ArgumentOutOfRangeException(nameof(skip), skip, "a fault rule cannot skip a negative number of requests");
        Fault = fault;
        PathContains = pathContains;
        Method = method;
        _remaining = times;
        _toSkip = skip;
    }

    public Fault Fault { get; }

    /// <summary>Matched against the request target (path and query); null matches every path.</summary>
    public string? PathContains { get; }

    /// <summary>Null matches every method.</summary>
    public string? Method { get; }

    /// <summary>How many requests this rule has been applied to.</summary>
    public int Hits => Volatile.Read(ref _hits);

    internal bool TryApply(string method, string target)
    {
        if (Method is not null && !string.Equals(Method, method, StringComparison.OrdinalIgnoreCase)) return false;
        if (PathContains is not null && !target.Contains(PathContains, StringComparison.Ordinal)) return false;
        while (true)
        {
            var toSkip = Volatile.Read(ref _toSkip);
            if (toSkip <= 0) break;
            if (Interlocked.CompareExchange(ref _toSkip, toSkip - 1, toSkip) == toSkip) return false;
        }
        while (true)
        {
            var remaining = Volatile.Read(ref _remaining);
            if (remaining <= 0) return false;
            var next = remaining == Always ? Always : remaining - 1;
            if (Interlocked.CompareExchange(ref _remaining, next, remaining) != remaining) continue;
            Interlocked.Increment(ref _hits);
            return true;
        }
    }

    public override string ToString() => $"{Fault} on {Method ?? "any"} *{PathContains}*";
}
