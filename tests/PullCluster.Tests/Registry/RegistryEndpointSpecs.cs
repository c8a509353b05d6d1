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

    [Theory]
    [InlineData(null, "127.0.0.1:5443/a", "http://127.0.0.1:5443/")]
    [InlineData(false, "127.0.0.1:5443/a", "https://127.0.0.1:5443/")]
    [InlineData(false, "localhost:5443/a", "https://localhost:5443/")]
    [InlineData(true, "127.0.0.1:5443/a", "http://127.0.0.1:5443/")]
    [InlineData(null, "registry.example:5443/a", "https://registry.example:5443/")]
    [InlineData(false, "registry.example:5443/a", "https://registry.example:5443/")]
    [InlineData(true, "registry.example:5443/a", "http://registry.example:5443/")]
    public void Insecure_is_tri_state_unset_keeping_the_loopback_default(bool? insecure, string reference, string expected)
    {
        var options = new RegistryOptions();
        var image = ImageReference.Parse(reference);
        options.Hosts[image.Registry] = new RegistryHostOptions { Insecure = insecure };

        Assert.Equal(expected, RegistryEndpoint.Resolve(options, image).BaseUri.ToString());
    }
}
