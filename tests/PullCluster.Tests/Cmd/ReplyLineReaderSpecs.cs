using System.Text;
using PullCluster.Cmd.Connection;
using Xunit;

namespace PullCluster.Tests.Cmd;

public sealed class ReplyLineReaderSpecs
{
    /// <summary>Hands out at most a few bytes per read, as a socket may.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
    }

    private static List<string> ReadAll(string text, int chunk)
    {
        var reader = new ReplyLineReader(new TrickleStream(Encoding.UTF8.GetBytes(text), chunk));
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) lines.Add(Encoding.UTF8.GetString(line.Span));
        return lines;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public void Lines_come_out_whole_however_the_stream_splits_them(int chunk) =>
        Assert.Equal(["{\"kind\":\"progress\"}", "", "{\"kind\":\"ok\"}"], ReadAll("{\"kind\":\"progress\"}\n\n{\"kind\":\"ok\"}\n", chunk));

    [Fact]
    public void A_carriage_return_before_the_line_break_is_not_part_of_the_line() =>
        Assert.Equal(["a", "b"], ReadAll("a\r\nb\r\n", 2));

    [Fact]
    public void A_last_line_without_a_line_break_still_counts() =>
        Assert.Equal(["a", "tail"], ReadAll("a\ntail", 1));

    [Fact]
    public void A_closed_empty_stream_has_no_lines() => Assert.Empty(ReadAll("", 1));

    [Fact]
    public void A_line_longer_than_the_first_buffer_grows_it()
    {
        var longLine = new string('x', 100_000);

        Assert.Equal([longLine, "after"], ReadAll(longLine + "\nafter\n", 1000));
    }

    [Fact]
    public void Multibyte_characters_split_across_reads_come_out_intact() =>
        Assert.Equal(["Grüße 🐳", "日本"], ReadAll("Grüße 🐳\n日本\n", 1));
}
