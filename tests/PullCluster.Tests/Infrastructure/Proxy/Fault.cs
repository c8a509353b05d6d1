namespace PullCluster.Tests.Infrastructure;

/// <summary>What a <see cref="FaultProxy"/> does to a matching request instead of, or on top of, forwarding it.</summary>
public abstract record Fault
{
    /// <summary>Answers with <paramref name="status"/> and a registry-style JSON error; the registry never sees the request.</summary>
    public static Fault Status(int status, params (string Name, string Value)[] headers) => new StatusFault(status, headers);

    public static Fault InternalServerError() => Status(500);

    public static Fault ServiceUnavailable() => Status(503);

    public static Fault TooManyRequests(int retryAfterSeconds = 1) => Status(429, ("Retry-After", retryAfterSeconds.ToString()));

    public static Fault Unauthorized(string challenge = "Basic realm=\"pullcluster-fault-proxy\"") =>
        Status(401, ("WWW-Authenticate", challenge));

    /// <summary>Forwards, then resets the connection after <paramref name="bodyBytes"/> bytes of the response body.</summary>
    public static Fault CutAfter(long bodyBytes) => new CutFault(bodyBytes);

    /// <summary>Forwards with the body byte at <paramref name="offset"/> inverted (headers untouched).</summary>
    public static Fault CorruptByteAt(long offset) => new CorruptFault(offset);

    /// <summary>Waits before forwarding the request.</summary>
    public static Fault Delay(TimeSpan delay) => new DelayFault(delay);

    /// <summary>Forwards, pausing once for <paramref name="pause"/> after <paramref name="bodyBytes"/> bytes of body.</summary>
    public static Fault StallAfter(long bodyBytes, TimeSpan pause) => new StallFault(bodyBytes, pause);

    /// <summary>Forwards the body no faster than <paramref name="bytesPerSecond"/>.</summary>
    public static Fault Throttle(long bytesPerSecond) => new ThrottleFault(bytesPerSecond);

    /// <summary>Resets the connection without any response; the registry never sees the request.</summary>
    public static Fault Drop() => new DropFault();
}

internal sealed record StatusFault(int Code, IReadOnlyList<(string Name, string Value)> Headers) : Fault
{
    public override string ToString() => $"status {Code}";
}

internal sealed record CutFault(long After) : Fault
{
    public override string ToString() => $"cut after {After} bytes";
}

internal sealed record CorruptFault(long Offset) : Fault
{
    public override string ToString() => $"corrupt byte {Offset}";
}

internal sealed record DelayFault(TimeSpan Duration) : Fault
{
    public override string ToString() => $"delay {Duration.TotalMilliseconds} ms";
}

internal sealed record StallFault(long After, TimeSpan Pause) : Fault
{
    public override string ToString() => $"stall {Pause.TotalMilliseconds} ms after {After} bytes";
}

internal sealed record ThrottleFault(long BytesPerSecond) : Fault
{
    public override string ToString() => $"throttle {BytesPerSecond} B/s";
}

internal sealed record DropFault : Fault
{
    public override string ToString() => "drop";
}
