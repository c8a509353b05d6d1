namespace PullCluster.Tests.Infrastructure;

/// <summary>What a <see cref="FaultProxy"/> does to a matching request instead of, or on top of, forwarding it.</summary>
public abstract record Fault
{
    /// <summary>Answers with <paramref name="status"/> and a registry-style JSON error; the registry never sees the request.</summary>
    public static Fault Status(int status, params (string Name, string Value)[] headers) => new StatusFault(status, headers, JsonError: true);

    /// <summary>
    /// Answers with <paramref name="status"/> and an empty body, as a load balancer in front of a registry does, so the
    /// client has no registry error to report; the registry never sees the request.
    /// </summary>
    public static Fault BareStatus(int status, params (string Name, string Value)[] headers) => new StatusFault(status, headers, JsonError: false);

    public static Fault InternalServerError() => Status(500);

    public static Fault ServiceUnavailable() => Status(503);

    public static Fault TooManyRequests(int retryAfterSeconds = 1) => Status(429, ("Retry-After", retryAfterSeconds.ToString()));

    public static Fault Unauthorized(string challenge = "Basic realm=\"pullcluster-fault-proxy\"") =>
        Status(401, ("WWW-Authenticate", challenge));

    /// <summary>
    /// Forwards, then ends the connection after <paramref name="bodyBytes"/> bytes of the response body: the client
    /// gets exactly those bytes, then end of stream, then a reset.
    /// </summary>
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

    /// <summary>Forwards without the request's Range header, as a server that does not support ranges answers.</summary>
    public static Fault IgnoreRange() => new IgnoreRangeFault();

    /// <summary>
    /// Answers 401 with <paramref name="challenge"/> unless the request carries an Authorization header (any value),
    /// as a registry requiring auth does; requests that carry one go on to the other faults.
    /// </summary>
    public static Fault RequireAuthorization(string challenge = "Basic realm=\"pullcluster-fault-proxy\"") =>
        new RequireAuthorizationFault(challenge);

    /// <summary>
    /// Answers 307 pointing at the same target on <paramref name="address"/> (<c>host:port</c>), as registries send
    /// blob downloads to storage; the registry never sees the request.
    /// </summary>
    public static Fault RedirectTo(string address) => new RedirectFault(address);

    /// <summary>Forwards, then sets response header <paramref name="name"/> to <paramref name="value"/>, as a corrupting middlebox would.</summary>
    public static Fault ForgeHeader(string name, string value) => new ForgeHeaderFault(name, value);

    /// <summary>Forwards the request to <paramref name="target"/> (path and query) instead of the one asked for.</summary>
    public static Fault RewriteTarget(string target) => new RewriteTargetFault(target);
}

internal sealed record StatusFault(int Code, IReadOnlyList<(string Name, string Value)> Headers, bool JsonError) : Fault
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

internal sealed record IgnoreRangeFault : Fault
{
    public override string ToString() => "ignore range";
}

internal sealed record RequireAuthorizationFault(string Challenge) : Fault
{
    public override string ToString() => "require authorization";
}

internal sealed record RedirectFault(string Address) : Fault
{
    public override string ToString() => $"redirect to {Address}";
}

internal sealed record ForgeHeaderFault(string Name, string Value) : Fault
{
    public override string ToString() => $"forge {Name}: {Value}";
}

internal sealed record RewriteTargetFault(string Target) : Fault
{
    public override string ToString() => $"rewrite target to {Target}";
}
