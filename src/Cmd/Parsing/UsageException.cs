namespace PullCluster.Cmd.Parsing;

/// <summary>The command line itself is wrong; the message says which word and what was expected.</summary>
public sealed class UsageException(string message) : Exception(message);
