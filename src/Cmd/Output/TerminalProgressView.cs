using System.Diagnostics;
using System.Text;
using PullCluster.Core.Gateway;

namespace PullCluster.Cmd.Output;

/// <summary>
/// docker pull's display: one line per layer with a progress bar, redrawn in place by moving the cursor
/// up over the lines drawn last time. Byte-only changes are redrawn at most every
/// <see cref="RedrawInterval"/>, state changes at once.
/// </summary>
public sealed class TerminalProgressView : IProgressView
{
    public static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);
    private const int FullBarWidth = 50;
    private const int NarrowestBar = 10;

    private readonly TextWriter output;
    private readonly int width;
    private readonly Func<TimeSpan> clock;
    private readonly List<string> order = [];
    private readonly Dictionary<string, LayerProgressDto> latest = new(StringComparer.Ordinal);
    private int linesDrawn;
    private TimeSpan? lastDraw;
    private bool pending;

    /// <param name="width">Terminal columns; lines are kept shorter so that none wraps and breaks the redraw.</param>
    /// <param name="clock">Elapsed time, for the redraw throttle; a running stopwatch when omitted.</param>
    public TerminalProgressView(TextWriter output, int width, Func<TimeSpan>? clock = null)
    {
        this.output = output;
        this.width = width > 0 ? width : 80;
        if (clock is null)
        {
            var stopwatch = Stopwatch.StartNew();
            clock = () => stopwatch.Elapsed;
        }
        this.clock = clock;
    }

    public void Show(PullProgressDto progress)
    {
        var stateChanged = false;
        foreach (var layer in progress.Layers)
        {
            if (!latest.TryGetValue(layer.Digest, out var previous))
            {
                order.Add(layer.Digest);
                stateChanged = true;
            }
            else if (previous.State != layer.State)
            {
                stateChanged = true;
            }
            latest[layer.Digest] = layer;
        }

        var now = clock();
        if (stateChanged || lastDraw is null || now - lastDraw >= RedrawInterval) Draw(now);
        else pending = true;
    }

    public void Finish()
    {
        if (pending) Draw(clock());
    }

    private void Draw(TimeSpan now)
    {
        var frame = new StringBuilder();
        if (linesDrawn > 0) frame.Append("\e[").Append(linesDrawn).Append('A');
        foreach (var digest in order)
            frame.Append("\r\e[2K").Append(Line(latest[digest])).Append('\n');
        linesDrawn = order.Count;
        output.Write(frame.ToString());
        output.Flush();
        lastDraw = now;
        pending = false;
    }

    public string Line(LayerProgressDto layer)
    {
        var head = $"{ShortDigest.Of(layer.Digest)}: {layer.State}";
        var limit = width - 1;
        if (layer.State is LayerStates.Downloading or LayerStates.Extracting && layer.Size > 0)
        {
            var sizes = $"{ByteSize.Format(layer.Done)}/{ByteSize.Format(layer.Size)}";
            var barWidth = Math.Min(FullBarWidth, limit - head.Length - sizes.Length - 5);
            if (barWidth >= NarrowestBar) return $"{head} {Bar(layer.Done, layer.Size, barWidth)} {sizes}";
            if (head.Length + 1 + sizes.Length <= limit) return $"{head} {sizes}";
        }
        return head.Length <= limit ? head : head[..limit];
    }

    private static string Bar(long done, long size, int barWidth)
    {
        var filled = (int)(Math.Clamp((double)done / size, 0, 1) * barWidth);
        return $"[{new string('=', filled)}>{new string(' ', barWidth - filled)}]";
    }
}
