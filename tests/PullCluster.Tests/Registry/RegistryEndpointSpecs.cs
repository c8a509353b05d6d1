using PullCluster.Core.Formats;
using PullCluster.Core.Registry;
using Xunit;

namespace PullCluster.Tests.Registry;

public sealed class RegistryEndpointSpecs
{
    [Theory]
    [InlineData("127.0.0.1:5000/a", "http://127.0.0.1:5000/")]
    [InlineData("127.9.8.7/a", "http://127.9.8.7/")]
    [InlineData("localhost:5000/a", "http://localhost:5000/")]
    [InlineData("[::1]:5000/a", "http://[::1]:5000/")]
    [InlineData("registry.example:5000/a", "https://registry.example:5000/")]
    [InlineData("10.0.0.1:5000/a", "https://10.0.0.1:5000/")]
    [InlineData("alpine", "https://registry-1.docker.io/")]
    public void Loopback_registries_speak_plain_http_and_others_https(string reference, string expected) =>
        Assert.Equal(expected, RegistryEndpoint.Resolve(new RegistryOptions(), ImageReference.Parse(reference)).BaseUri.ToString());

    [Fact]
    public void Insecure_hosts_speak_plain_http_and_host_port_entries_beat_host_entries()
    {
        var options = new RegistryOptions();
        options.Hosts["registry.example"] = new RegistryHostOptions { Insecure = true, Username = "any-port" };
        options.Hosts["registry.example:5000"] = new RegistryHostOptions { Insecure = true, Username = "port-5000" };

        var on5000 = RegistryEndpoint.Resolve(options, ImageReference.Parse("registry.example:5000/a"));
        var on6000 = RegistryEndpoint.Resolve(options, ImageReference.Parse("registry.example:6000/a"));

        Assert.Equal("http://registry.example:5000/", on5000.BaseUri.ToString());
        Assert.Equal("port-5000", on5000.Options!.Username);
        Assert.Equal("any-port", on6000.Options!.Username);
    }

    [Fact]
    public void Skipping_tls_verification_is_looked_up_by_host_name_alone()
    {
        var options = new RegistryOptions();
        options.Hosts["registry.example:5000"] = new RegistryHostOptions { SkipTlsVerify = true };

        Assert.True(RegistryEndpoint.SkipsTlsVerify(options, "REGISTRY.example"));
        Assert.False(RegistryEndpoint.SkipsTlsVerify(options, "other.example"));
        Assert.False(RegistryEndpoint.SkipsTlsVerify(options, null));
    }
}
