namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// TLS for a <see cref="RegistryProcess"/>: the server certificate it presents, the CA its own clients (pushes,
/// deletes, readiness checks) trust, and optionally a CA whose client certificates it requires (mutual TLS).
/// </summary>
public sealed record RegistryTls(TestCertificateAuthority Ca, IssuedCertificate Server)
{
    /// <summary>When set, the registry refuses clients without a certificate issued by this CA.</summary>
    public TestCertificateAuthority? ClientCa { get; init; }

    /// <summary>What the registry's own clients present when <see cref="ClientCa"/> is set.</summary>
    public IssuedCertificate? ClientCertificate { get; init; }
}
