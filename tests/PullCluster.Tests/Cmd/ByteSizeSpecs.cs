using PullCluster.Cmd.Output;
using Xunit;

namespace PullCluster.Tests.Cmd;

public class ByteSizeSpecs
{
    [Theory]
    [InlineData(0, "0B")]
    [InlineData(512, "512B")]
    [InlineData(999, "999B")]
    [InlineData(1000, "1kB")]
    [InlineData(1_500, "1.5kB")]
    [InlineData(12_345_678, "12.3MB")]
    [InlineData(45_600_000, "45.6MB")]
    [InlineData(123_456_789, "123MB")]
    [InlineData(1_050_000_000, "1.05GB")]
    [InlineData(2_000_000_000_000, "2TB")]
    [InlineData(999_600, "1MB")]
    [InlineData(-5, "0B")]
    public void Sizes_read_like_docker(long bytes, string expected)
    {
        Assert.Equal(expected, ByteSize.Format(bytes));
    }
}
