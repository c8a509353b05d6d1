using PullCluster.Core.Gateway;

namespace PullCluster.Cmd.Output;

/// <summary>For --json and --quiet, whose output is the result alone.</summary>
public sealed class SilentProgressView : IProgressView
{
    public void Show(PullProgressDto progress)
    {
    }

    public void Finish()
    {
    }
}
