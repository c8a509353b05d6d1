namespace PullCluster.Tests.Infrastructure;

internal static class RegistryConfig
{
    /// <summary>
    /// No blob descriptor cache, so bytes replaced on disk are served as they are; a fixed http secret, so the
    /// registry does not warn about upload state signing. <paramref name="auth"/> is an "auth:" section, or "".
    /// </summary>
    public static string Render(int port, string storageDir, string auth) =>
        $"""
        version: 0.1
        log:
          level: info
          formatter: text
          accesslog:
            disabled: false
        storage:
          filesystem:
            rootdirectory: {storageDir}
          delete:
            enabled: true
          maintenance:
            uploadpurging:
              enabled: false
        http:
          addr: 127.0.0.1:{port}
          secret: pullcluster-tests-secret
          headers:
            X-Content-Type-Options: [nosniff]
        {auth}
        """;

    public static string HtpasswdAuth(string htpasswdPath) =>
        $"""
        auth:
          htpasswd:
            realm: pullcluster-tests
            path: {htpasswdPath}

        """;

    public static string TokenAuth(RegistryTokenAuth token, string rootCertBundlePath) =>
        $"""
        auth:
          token:
            realm: {token.Realm}
            service: {token.Service}
            issuer: {token.Issuer}
            rootcertbundle: {rootCertBundlePath}

        """;
}
