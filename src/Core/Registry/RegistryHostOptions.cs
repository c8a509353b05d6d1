namespace PullCluster.Core.Registry;

public sealed class RegistryHostOptions
{
    /// <summary>Speak plain HTTP. Loopback registries (127.0.0.0/8, ::1, localhost) get this without asking, as with Docker.</summary>
    public bool Insecure { get; set; }

    public bool SkipTlsVerify { get; set; }
    public string? Username { get; set; }
    public string? Password { get; set; }
}
