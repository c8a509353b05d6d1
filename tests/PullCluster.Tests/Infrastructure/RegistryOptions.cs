namespace PullCluster.Tests.Infrastructure;

public sealed record RegistryOptions
{
    /// <summary>When set, the registry requires these credentials (htpasswd, bcrypt) on every /v2/ request.</summary>
    public RegistryCredentials? BasicAuth { get; init; }

    /// <summary>When set, the registry requires bearer tokens from a token server (see <see cref="RegistryTokenServer"/>).</summary>
    public RegistryTokenAuth? TokenAuth { get; init; }

    /// <summary>Names the temp directory so leftovers of a crashed run are recognisable.</summary>
    public string Label { get; init; } = "registry";

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(15);
}
