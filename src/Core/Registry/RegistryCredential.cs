namespace PullCluster.Core.Registry;

/// <summary>A username and password for a registry, and where they were found (for error messages, never the secret).</summary>
public sealed record RegistryCredential(string Username, string Password, string Source)
{
    public override string ToString() => $"{Username} (from {Source})";
}
