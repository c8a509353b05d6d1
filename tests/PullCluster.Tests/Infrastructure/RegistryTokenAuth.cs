using System.Net.Http.Headers;

namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// "auth: token" for a registry: it trusts JWTs signed under <paramref name="RootCertificatePem"/> for
/// <paramref name="Service"/> from <paramref name="Issuer"/> and sends clients to <paramref name="Realm"/> for them.
/// <paramref name="PushAuthorization"/> is the bearer token the test's own pushes and deletes use.
/// </summary>
public sealed record RegistryTokenAuth(
    string Realm,
    string Service,
    string Issuer,
    string RootCertificatePem,
    AuthenticationHeaderValue PushAuthorization);
