namespace PullCluster.Core.Registry;

public sealed class RegistryOptions
{
    /// <summary>Per-registry settings keyed by "host" or "host:port"; "host:port" wins when both are present.</summary>
    public Dictionary<string, RegistryHostOptions> Hosts { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Read credentials as Docker and Podman store them: $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,
    /// then $DOCKER_CONFIG/config.json or ~/.docker/config.json. Credentials in <see cref="Hosts"/> come first.
    /// </summary>
    public bool ReadCredentialFiles { get; set; } = true;

    /// <summary>Where ~/.docker and ~/.config/containers live; tests point it at a temporary directory.</summary>
    public string? HomeDirectory { get; set; }

    /// <summary>
    /// Roots of per-registry certificate directories (<c>ROOT/host:port/*.crt</c> CAs, <c>*.cert</c>/<c>*.key</c>
    /// client pairs), searched in order; the first root holding a directory for the registry is used, as
    /// containers/image does. Unset: ~/.config/containers/certs.d, /etc/containers/certs.d, /etc/docker/certs.d.
    /// </summary>
    public IReadOnlyList<string>? CertificateDirectories { get; set; }

    public int MaxAttempts { get; set; } = 5;
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait between attempts, also the cap on a server's Retry-After.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>No response or no body byte for this long is a transient failure (then retried, resuming).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public int MaxConnectionsPerHost { get; set; } = 16;
}
