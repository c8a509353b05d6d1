using PullCluster.Core.Registry;
using Xunit;

namespace PullCluster.Tests.Registry;

public sealed class BackoffSpecs
{
    private static readonly RegistryOptions Options = new()
    {
        InitialBackoff = TimeSpan.FromMilliseconds(200),
        MaxBackoff = TimeSpan.FromSeconds(10),
    };

    [Theory]
    [InlineData(1, 200)]
    [InlineData(2, 400)]
    [InlineData(4, 1600)]
    [InlineData(10, 10_000)]
    public void Doubles_per_attempt_up_to_the_cap_with_jitter_of_at_most_half(int attempt, int ceilingMs)
    {
        for (var i = 0; i < 50; i++)
            Assert.InRange(Backoff.Delay(attempt, null, Options).TotalMilliseconds, ceilingMs / 2.0, ceilingMs);
    }

    [Fact]
    public void Retry_after_replaces_the_backoff_within_the_cap()
    {
        Assert.Equal(TimeSpan.FromSeconds(3), Backoff.Delay(1, TimeSpan.FromSeconds(3), Options));
        Assert.Equal(Options.MaxBackoff, Backoff.Delay(1, TimeSpan.FromMinutes(5), Options));
        Assert.Equal(TimeSpan.Zero, Backoff.Delay(1, TimeSpan.FromSeconds(-4), Options));
    }
}
