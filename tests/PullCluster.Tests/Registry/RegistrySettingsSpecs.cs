using Akka.Configuration;
using PullCluster.Actors;
using Xunit;

namespace PullCluster.Tests.Registry;

/// <summary>The <c>pullcluster.registry</c> block of the node's HOCON configuration, layered over config/pullcluster.conf.</summary>
public sealed class RegistrySettingsSpecs
{
    private static readonly string DefaultConf = File.ReadAllText(Path.Combine(RepositoryRoot(), "config", "pullcluster.conf"));

    private static PullClusterSettings Parse(string hocon) =>
        PullClusterSettings.FromConfig(ConfigurationFactory.ParseString(hocon).WithFallback(ConfigurationFactory.ParseString(DefaultConf)), "/tmp/store");

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "config", "pullcluster.conf"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no config/pullcluster.conf above {AppContext.BaseDirectory}");
    }

    [Fact]
    public void Insecure_is_unset_on_or_off_per_host()
    {
        var registry = Parse("""
            pullcluster.registry.hosts {
              "127.0.0.1:5443" { insecure = off }
              "registry.internal:5000" { insecure = on }
              "registry.example.com" { username = "ci" }
            }
            """).Registry;

        Assert.False(registry.Hosts["127.0.0.1:5443"].Insecure);
        Assert.True(registry.Hosts["registry.internal:5000"].Insecure);
        Assert.Null(registry.Hosts["registry.example.com"].Insecure);
    }

    [Fact]
    public void Tls_settings_are_read_with_ca_file_made_absolute()
    {
        var registry = Parse("""
            pullcluster.registry {
              certs-directories = ["/srv/certs.d", "relative/certs.d"]
              hosts {
                "127.0.0.1:5443" { ca-file = "/srv/registry/ca.pem", skip-tls-verify = off }
                "registry.internal" { ca-file = "ca.pem", skip-tls-verify = on }
              }
            }
            """).Registry;

        Assert.Equal("/srv/registry/ca.pem", registry.Hosts["127.0.0.1:5443"].CaFile);
        Assert.False(registry.Hosts["127.0.0.1:5443"].SkipTlsVerify);
        Assert.Equal(Path.GetFullPath("ca.pem"), registry.Hosts["registry.internal"].CaFile);
        Assert.True(registry.Hosts["registry.internal"].SkipTlsVerify);
        Assert.Equal(["/srv/certs.d", "relative/certs.d"], registry.CertificateDirectories);
    }

    [Fact]
    public void The_shipped_configuration_leaves_tls_at_its_defaults()
    {
        var registry = Parse("").Registry;

        Assert.Empty(registry.Hosts);
        Assert.Null(registry.CertificateDirectories);
        Assert.True(registry.ReadCredentialFiles);
    }
}
