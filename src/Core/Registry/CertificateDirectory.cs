namespace PullCluster.Core.Registry;

/// <summary>
/// A registry's certs.d directory as Docker and containers/image lay it out: <c>ROOT/host:port/</c> holding CA
/// certificates (<c>*.crt</c>) and client certificate pairs (<c>name.cert</c> with <c>name.key</c>).
/// </summary>
internal sealed record CertificateDirectory(string Path)
{
    public static IReadOnlyList<string> Roots(RegistryOptions options) => options.CertificateDirectories ??
    [
        System.IO.Path.Combine(options.HomeDirectory ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "containers", "certs.d"),
        "/etc/containers/certs.d",
        "/etc/docker/certs.d",
    ];

    /// <summary>The directory for <paramref name="authority"/> ("host:port", or "host" for port 443) under the first root that has one.</summary>
    public static CertificateDirectory? Find(RegistryOptions options, string authority) =>
        Roots(options).Select(root => System.IO.Path.Combine(root, authority)).FirstOrDefault(Directory.Exists) is { } path
            ? new CertificateDirectory(path)
            : null;

    public IReadOnlyList<string> CaFiles() => Files(".crt");

    /// <summary>Each <c>name.cert</c> with its <c>name.key</c>; a key without its certificate, or the reverse, is an error naming the file.</summary>
    public IReadOnlyList<ClientCertificateFiles> ClientPairs()
    {
        var keys = Files(".key").ToHashSet(StringComparer.Ordinal);
        var pairs = new List<ClientCertificateFiles>();
        foreach (var cert in Files(".cert"))
        {
            var key = System.IO.Path.ChangeExtension(cert, ".key");
            if (!keys.Remove(key)) throw new TlsSetupException($"client certificate {cert} has no key {System.IO.Path.GetFileName(key)} beside it");
            pairs.Add(new ClientCertificateFiles(cert, key));
        }
        if (keys.Order(StringComparer.Ordinal).FirstOrDefault() is { } lone)
            throw new TlsSetupException($"client key {lone} has no certificate {System.IO.Path.GetFileNameWithoutExtension(lone)}.cert beside it");
        return pairs;
    }

    private List<string> Files(string extension) =>
        Directory.GetFiles(Path).Where(f => f.EndsWith(extension, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
}

internal sealed record ClientCertificateFiles(string Certificate, string Key);
