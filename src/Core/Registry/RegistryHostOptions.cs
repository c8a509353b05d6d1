namespace PullCluster.Core.Registry;

public sealed class RegistryHostOptions
{
    /// <summary>
    /// true: speak plain HTTP. false: speak HTTPS, loopback hosts included. Unset: plain HTTP for loopback registries
    /// (127.0.0.0/8, ::1, localhost), as Docker does, and HTTPS for every other host.
    /// </summary>
    public bool? Insecure { get; set; }

    /// <summary>Accept any server certificate (still encrypted, no longer authenticated).</summary>
    public bool SkipTlsVerify { get; set; }

    /// <summary>A PEM file of one or more CA certificates trusted for this registry in addition to the system's roots.</summary>
    public string? CaFile { get; set; }

    public string? Username { get; set; }
    public string? Password { get; set; }
}
