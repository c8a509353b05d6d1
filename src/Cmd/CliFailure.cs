namespace PullCluster.Cmd;

/// <summary>A command failed; the message is printed as the one line "pullcluster: MESSAGE".</summary>
public class CliFailure(string message) : Exception(message);
