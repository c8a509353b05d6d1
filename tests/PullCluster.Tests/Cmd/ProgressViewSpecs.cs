using PullCluster.Cmd.Output;
using PullCluster.Core.Gateway;
using Xunit;

namespace PullCluster.Tests.Cmd;

public class ProgressViewSpecs
{
    private const string LayerA = "sha256:ab12cd34ef5600000000000000000000000000000000000000000000000000aa";
    private const string LayerB = "sha256:0123456789ab00000000000000000000000000000000000000000000000000bb";

    private static PullProgressDto Progress(params LayerProgressDto[] layers) => new("alpine:3.20", layers);

    private static LayerProgressDto A(string state, long done = 0) => new(LayerA, 45_600_000, done, state);

    private static LayerProgressDto B(string state, long done = 0) => new(LayerB, 1_000, done, state);

    [Fact]
    public void Plain_view_writes_a_line_per_state_change_and_none_per_byte()
    {
        var output = new StringWriter();
        var view = new PlainProgressView(output);

        view.Show(Progress(A(LayerStates.Waiting), B(LayerStates.Exists)));
        view.Show(Progress(A(LayerStates.Downloading, 1_000), B(LayerStates.Exists)));
        view.Show(Progress(A(LayerStates.Downloading, 20_000_000), B(LayerStates.Exists)));
        view.Show(Progress(A(LayerStates.Downloading, 40_000_000), B(LayerStates.Exists)));
        view.Show(Progress(A(LayerStates.Downloaded, 45_600_000), B(LayerStates.Exists)));
        view.Show(Progress(A(LayerStates.Complete, 45_600_000), B(LayerStates.Exists)));
        view.Finish();

        Assert.Equal(
            [
                "ab12cd34ef56: Waiting",
                "0123456789ab: Already exists",
                "ab12cd34ef56: Downloading",
                "ab12cd34ef56: Download complete",
                "ab12cd34ef56: Pull complete",
            ],
            Lines(output));
    }

    [Fact]
    public void Plain_view_never_writes_terminal_control_characters()
    {
        var output = new StringWriter();
        var view = new PlainProgressView(output);

        view.Show(Progress(A(LayerStates.Downloading, 12_300_000)));

        Assert.DoesNotContain('\e', output.ToString());
        Assert.DoesNotContain('[', output.ToString());
    }

    [Fact]
    public void Terminal_view_draws_a_bar_with_sizes_while_downloading()
    {
        var output = new StringWriter();
        var view = new TerminalProgressView(output, 120, () => TimeSpan.Zero);

        view.Show(Progress(A(LayerStates.Downloading, 12_300_000)));

        var text = output.ToString();
        Assert.Contains("ab12cd34ef56: Downloading [=============>", text);
        Assert.Contains("] 12.3MB/45.6MB", text);
    }

    [Fact]
    public void Terminal_view_redraws_its_lines_in_place()
    {
        var output = new StringWriter();
        var clock = TimeSpan.Zero;
        var view = new TerminalProgressView(output, 120, () => clock);

        view.Show(Progress(A(LayerStates.Downloading, 1_000_000), B(LayerStates.Waiting)));
        var first = output.ToString();
        view.Show(Progress(A(LayerStates.Downloading, 2_000_000), B(LayerStates.Downloading, 10)));
        var second = output.ToString()[first.Length..];

        Assert.DoesNotContain("\e[2A", first);
        Assert.StartsWith("\e[2A", second);
        Assert.Equal(2, second.Split("\e[2K").Length - 1);
        Assert.Contains("0123456789ab: Downloading", second);
    }

    [Fact]
    public void Terminal_view_holds_back_byte_only_changes_until_the_redraw_interval_or_the_end()
    {
        var output = new StringWriter();
        var clock = TimeSpan.Zero;
        var view = new TerminalProgressView(output, 120, () => clock);

        view.Show(Progress(A(LayerStates.Downloading, 1_000_000)));
        var drawn = output.ToString().Length;
        clock = TimeSpan.FromMilliseconds(10);
        view.Show(Progress(A(LayerStates.Downloading, 2_000_000)));
        Assert.Equal(drawn, output.ToString().Length);

        view.Finish();
        Assert.Contains("2MB/45.6MB", output.ToString()[drawn..]);
    }

    [Fact]
    public void Terminal_view_draws_state_changes_at_once()
    {
        var output = new StringWriter();
        var clock = TimeSpan.Zero;
        var view = new TerminalProgressView(output, 120, () => clock);

        view.Show(Progress(A(LayerStates.Downloading, 1_000_000)));
        clock = TimeSpan.FromMilliseconds(1);
        view.Show(Progress(A(LayerStates.Downloaded, 45_600_000)));

        Assert.Contains("ab12cd34ef56: Download complete", output.ToString());
    }

    [Fact]
    public void Terminal_view_keeps_lines_narrower_than_the_terminal()
    {
        var output = new StringWriter();
        var view = new TerminalProgressView(output, 40, () => TimeSpan.Zero);

        view.Show(Progress(A(LayerStates.Downloading, 12_300_000), B(LayerStates.Verifying)));

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Replace("\r", "").Replace("\e[2K", ""));
        Assert.All(lines, line => Assert.True(line.Length < 40, $"'{line}' is {line.Length} wide"));
        Assert.Contains("12.3MB/45.6MB", output.ToString());
    }

    [Fact]
    public void Terminal_view_shows_no_bar_for_states_without_bytes()
    {
        var view = new TerminalProgressView(new StringWriter(), 120);

        Assert.Equal("ab12cd34ef56: Pull complete", view.Line(A(LayerStates.Complete, 45_600_000)));
    }

    private static string[] Lines(StringWriter output) =>
        output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
