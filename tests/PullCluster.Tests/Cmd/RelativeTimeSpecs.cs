using PullCluster.Cmd.Output;
using Xunit;

namespace PullCluster.Tests.Cmd;

public class RelativeTimeSpecs
{
    [Theory]
    [InlineData(0, "Less than a second ago")]
    [InlineData(1, "1 second ago")]
    [InlineData(42, "42 seconds ago")]
    [InlineData(90, "About a minute ago")]
    [InlineData(5 * 60, "5 minutes ago")]
    [InlineData(60 * 60, "About an hour ago")]
    [InlineData(5 * 3600, "5 hours ago")]
    [InlineData(3 * 86400, "3 days ago")]
    [InlineData(21 * 86400, "3 weeks ago")]
    [InlineData(90 * 86400, "3 months ago")]
    [InlineData(3 * 365 * 86400, "3 years ago")]
    [InlineData(-30, "Less than a second ago")]
    public void Elapsed_time_reads_like_docker(int secondsAgo, string expected)
    {
        var now = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(expected, RelativeTime.Ago(now.AddSeconds(-secondsAgo), now));
    }
}
