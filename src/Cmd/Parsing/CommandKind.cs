namespace PullCluster.Cmd.Parsing;

public enum CommandKind
{
    Help,
    Version,
    Pull,
    ImageList,
    ImageRemove,
    ImageRootfs,
    ImageExport,
    NodeStart,
    NodeStop,
    NodeStatus,
}
