using PullCluster.Core.Gateway;

namespace PullCluster.Cmd.Output;

/// <summary>Shows a pull's progress as the node reports it.</summary>
public interface IProgressView
{
    void Show(PullProgressDto progress);

    /// <summary>The pull finished: show whatever was held back.</summary>
    void Finish();
}
