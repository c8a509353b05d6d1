namespace PullCluster.Core.Registry;

/// <summary>Exponential backoff with jitter, so many pulls failing together do not retry in lockstep.</summary>
internal static class Backoff
{
    public static TimeSpan Delay(int failedAttempt, TimeSpan? retryAfter, RegistryOptions options)
    {
        if (retryAfter is { } asked)
            return asked < TimeSpan.Zero ? TimeSpan.Zero : asked > options.MaxBackoff ? options.MaxBackoff : asked;
        var exponential = options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failedAttempt - 1, 30));
        var capped = Math.Min(exponential, options.MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + Random.Shared.NextDouble() * 0.5));
    }
}
