namespace PullCluster.Cmd.NodeControl;

/// <summary>The files a CLI keeps in the store for the node it starts there.</summary>
public sealed record StoreFiles(string Store)
{
    public string Lock => Path.Combine(Store, "node.lock");
    public string Log => Path.Combine(Store, "node.log");
    public string Pid => Path.Combine(Store, "node.pid");
}
