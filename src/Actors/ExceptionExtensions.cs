namespace PullCluster.Actors;

internal static class ExceptionExtensions
{
    /// <summary>The exception a piped task really failed with, rather than the AggregateException around it.</summary>
    public static Exception Unwrap(this Exception e) => e is AggregateException { InnerException: { } inner } ? inner : e;
}
