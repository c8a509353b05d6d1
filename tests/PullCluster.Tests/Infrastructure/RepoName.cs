namespace PullCluster.Tests.Infrastructure;

public static class RepoName
{
    /// <summary><c>prefix-&lt;8 hex&gt;</c>: tests sharing a registry never see each other's tags.</summary>
    public static string Unique(string prefix = "test") => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
}
