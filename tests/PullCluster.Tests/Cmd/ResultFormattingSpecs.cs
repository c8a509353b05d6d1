using PullCluster.Cmd.Output;
using PullCluster.Core.Gateway;
using Xunit;

namespace PullCluster.Tests.Cmd;

public class ResultFormattingSpecs
{
    private const string Manifest = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static PullResultDto Result(long fetched, long shared, long reused) => new(
        "127.0.0.1:5000/base:1", Manifest, "sha256:cfg", "linux/amd64", ["sha256:c1"], fetched, shared, reused, 1.234);

    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static string[] Table(params ImageSummaryDto[] images)
    {
        var output = new StringWriter();
        ImageTable.Write(output, images, Now);
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public void A_pull_that_fetched_bytes_ends_like_docker_with_the_byte_sources()
    {
        var output = new StringWriter();

        PullSummary.Write(output, Result(78_400_000, 0, 1_200));

        Assert.Equal(
            $"Digest: {Manifest}\n" +
            "Status: Downloaded newer image for 127.0.0.1:5000/base:1\n" +
            "Fetched 78.4MB, shared 0B, reused 1.2kB in 1.23s\n",
            output.ToString());
    }

    [Fact]
    public void A_pull_that_needed_nothing_reports_the_image_up_to_date()
    {
        var output = new StringWriter();

        PullSummary.Write(output, Result(0, 0, 78_400_000));

        Assert.Contains("Status: Image is up to date for 127.0.0.1:5000/base:1\n", output.ToString());
    }

    [Fact]
    public void Bytes_shared_with_a_concurrent_pull_still_count_as_a_download()
    {
        Assert.False(PullSummary.IsUpToDate(Result(0, 78_400_000, 0)));
    }

    [Fact]
    public void Image_table_aligns_columns_and_shortens_digests()
    {
        Assert.Equal(
            [
                "IMAGE                   DIGEST         PLATFORM         SIZE     LAYERS   PULLED",
                "127.0.0.1:5000/base:1   9f86d081884c   linux/amd64      1.05GB   3        2 hours ago",
                "127.0.0.1:5000/many:1   9f86d081884c   linux/arm64/v8   28.3MB   40       5 minutes ago",
            ],
            Table(
                new ImageSummaryDto("127.0.0.1:5000/many:1", Manifest, "linux/arm64/v8", 28_300_000, 40, Now.AddMinutes(-5)),
                new ImageSummaryDto("127.0.0.1:5000/base:1", Manifest, "linux/amd64", 1_050_000_000, 3, Now.AddHours(-2))));
    }

    [Fact]
    public void An_image_pulled_for_two_platforms_has_a_row_per_platform_in_platform_order()
    {
        Assert.Equal(
            [
                "IMAGE                   DIGEST         PLATFORM         SIZE   LAYERS   PULLED",
                "127.0.0.1:5000/base:1   9f86d081884c   linux/amd64      1kB    1        2 minutes ago",
                "127.0.0.1:5000/base:1   9f86d081884c   linux/arm64/v8   2kB    1        About a minute ago",
            ],
            Table(
                new ImageSummaryDto("127.0.0.1:5000/base:1", Manifest, "linux/arm64/v8", 2_000, 1, Now.AddMinutes(-1)),
                new ImageSummaryDto("127.0.0.1:5000/base:1", Manifest, "linux/amd64", 1_000, 1, Now.AddMinutes(-2))));
    }

    [Fact]
    public void An_empty_image_table_still_has_its_header()
    {
        var output = new StringWriter();

        ImageTable.Write(output, [], DateTimeOffset.Now);

        Assert.Equal("IMAGE   DIGEST   PLATFORM   SIZE   LAYERS   PULLED\n", output.ToString());
    }
}
