using PullCluster.Core.Gateway;

namespace PullCluster.Cmd.Output;

/// <summary>
/// For logs and pipes: one line per layer state change ("ab12cd34ef56: Download complete"), never one per
/// chunk of bytes, so that twenty pulls in a build log stay readable.
/// </summary>
public sealed class PlainProgressView(TextWriter output) : IProgressView
{
    private readonly Dictionary<string, string> shownStates = new(StringComparer.Ordinal);

    public void Show(PullProgressDto progress)
    {
        var wrote = false;
        foreach (var layer in progress.Layers)
        {
            if (shownStates.TryGetValue(layer.Digest, out var shown) && shown == layer.State) continue;
            shownStates[layer.Digest] = layer.State;
            output.WriteLine($"{ShortDigest.Of(layer.Digest)}: {layer.State}");
            wrote = true;
        }
        if (wrote) output.Flush();
    }

    public void Finish() => output.Flush();
}
