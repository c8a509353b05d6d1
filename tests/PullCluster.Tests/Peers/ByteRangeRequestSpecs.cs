using PullCluster.Core.Peers;
using Xunit;

namespace PullCluster.Tests.Peers;

/// <summary>How the peer server reads a Range header against a blob of 1000 bytes.</summary>
public sealed class ByteRangeRequestSpecs
{
    [Theory]
    [InlineData("bytes=0-", 0, 999, "bytes 0-999/1000")]
    [InlineData("bytes=100-", 100, 999, "bytes 100-999/1000")]
    [InlineData("bytes=100-199", 100, 199, "bytes 100-199/1000")]
    [InlineData("bytes=999-999", 999, 999, "bytes 999-999/1000")]
    [InlineData("bytes=900-5000", 900, 999, "bytes 900-999/1000")]
    [InlineData("bytes=-10", 990, 999, "bytes 990-999/1000")]
    [InlineData("bytes=-5000", 0, 999, "bytes 0-999/1000")]
    [InlineData("BYTES= 5 - 9 ", 5, 9, "bytes 5-9/1000")]
    public void One_satisfiable_range_is_served_partially(string header, long from, long to, string contentRange)
    {
        var range = ByteRangeRequest.Parse(header, 1000);

        Assert.Equal(ByteRangeKind.Partial, range.Kind);
        Assert.Equal((from, to), (range.From, range.To));
        Assert.Equal(to - from + 1, range.Length);
        Assert.Equal(contentRange, range.ContentRange(1000));
    }

    [Theory]
    [InlineData("bytes=1000-")]
    [InlineData("bytes=1000-1001")]
    [InlineData("bytes=-0")]
    public void A_range_outside_the_blob_is_unsatisfiable(string header)
    {
        var range = ByteRangeRequest.Parse(header, 1000);

        Assert.Equal(ByteRangeKind.Unsatisfiable, range.Kind);
        Assert.Equal("bytes */1000", range.ContentRange(1000));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("items=0-5")]
    [InlineData("bytes=0-5,10-20")]
    [InlineData("bytes=20-10")]
    [InlineData("bytes=abc-")]
    [InlineData("bytes=5")]
    [InlineData("bytes=--5")]
    public void No_range_another_unit_several_ranges_or_a_malformed_one_are_answered_with_the_whole_blob(string? header)
    {
        var range = ByteRangeRequest.Parse(header, 1000);

        Assert.Equal(ByteRangeKind.Whole, range.Kind);
    }

    [Fact]
    public void Any_range_of_an_empty_blob_is_unsatisfiable()
    {
        Assert.Equal(ByteRangeKind.Unsatisfiable, ByteRangeRequest.Parse("bytes=0-", 0).Kind);
        Assert.Equal(ByteRangeKind.Unsatisfiable, ByteRangeRequest.Parse("bytes=-1", 0).Kind);
    }
}
