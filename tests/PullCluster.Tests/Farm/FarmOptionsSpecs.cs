using System.Runtime.Versioning;
using Akka.Configuration;
using PullCluster.Host;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Farm;

/// <summary>The farm's flags and the checks a node makes of them before it starts anything.</summary>
[SupportedOSPlatform("linux")]
public sealed class FarmOptionsSpecs : IDisposable
{
    private readonly TempDir _dir = TempDir.Create("farm-options");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Seeds_come_from_repeated_flags()
    {
        Assert.Equal(["a:1", "b:2"], NodeOptions.Parse(["--seed", "a:1", "--seed", "b:2"]).Seeds);
    }

    [Fact]
    public void A_seed_without_a_port_is_refused_naming_it()
    {
        var error = Assert.Throws<ArgumentException>(() => NodeOptions.Parse(["--seed", "node1"]));
        Assert.Contains("node1", error.Message);
    }

    [Fact]
    public void A_farm_node_needs_the_secret_and_the_http_listener()
    {
        var secret = Secret();

        var noSecret = Assert.Throws<ArgumentException>(() => Setup("--seed", "127.0.0.11:4711", "--http", "127.0.0.11:4811"));
        var noHttp = Assert.Throws<ArgumentException>(() => Setup("--seed", "127.0.0.11:4711", "--secret-file", secret));

        Assert.Contains("--secret-file", noSecret.Message);
        Assert.Contains("--http", noHttp.Message);
    }

    [Fact]
    public void A_short_secret_is_refused_naming_the_file()
    {
        var file = _dir.Combine("short");
        File.WriteAllText(file, "tiny\n");

        var error = Assert.Throws<Core.Peers.ClusterSecretException>(() => Setup("--secret-file", file));

        Assert.Contains(file, error.Message);
    }

    [Fact]
    public void Peers_reach_the_http_listener_at_its_address_or_at_the_advertised_url()
    {
        var secret = Secret();

        Assert.Equal("http://127.0.0.11:4811", Setup("--secret-file", secret, "--http", "127.0.0.11:4811").PeerUrl);
        Assert.Equal("http://node1:4811", Setup("--secret-file", secret, "--http", "node1:4811").PeerUrl);
        Assert.Equal("http://127.0.0.11:4811", Setup("--secret-file", secret, "--remote", "127.0.0.11:4711", "--http", "0.0.0.0:4811").PeerUrl);
        Assert.Equal("http://proxy:9000", Setup("--secret-file", secret, "--http", "0.0.0.0:4811", "--peer-url", "http://proxy:9000/").PeerUrl);
        Assert.Throws<ArgumentException>(() => NodeOptions.Parse(["--peer-url", "https://proxy:9000"]));
    }

    [Fact]
    public void A_lone_node_gets_a_secret_only_it_knows_and_a_given_remote_endpoint_keeps_its_own_rules()
    {
        var lone = Setup();
        var remote = Setup("--remote", "127.0.0.1:4799");

        Assert.True(lone.MembershipSecret is { IsEphemeral: true });
        Assert.Null(remote.MembershipSecret);
        Assert.Empty(lone.Seeds);
    }

    private string Secret()
    {
        var file = _dir.Combine("secret");
        File.WriteAllText(file, "0123456789abcdef0123456789abcdef\n");
        return file;
    }

    [Fact]
    public void A_first_seed_that_was_a_member_a_moment_ago_joins_the_others_instead_of_forming_a_farm_alone()
    {
        var secret = Secret();
        var marker = _dir.Combine("farm-member");
        string[] args = ["--secret-file", secret, "--http", "127.0.0.11:4811", "--remote", "127.0.0.11:4711", "--seed", "127.0.0.11:4711", "--seed", "127.0.0.12:4711"];

        var fresh = Setup(marker, args);
        File.WriteAllText(marker, "");
        var restarted = Setup(marker, args);
        File.SetLastWriteTimeUtc(marker, DateTime.UtcNow - TimeSpan.FromMinutes(5));
        var afterLongDown = Setup(marker, args);

        Assert.Equal(["127.0.0.11:4711", "127.0.0.12:4711"], fresh.Seeds);
        Assert.False(fresh.RestartedFirstSeed);
        Assert.Equal(["127.0.0.12:4711", "127.0.0.11:4711"], restarted.Seeds);
        Assert.True(restarted.RestartedFirstSeed);
        Assert.True(restarted.AkkaConfig.GetBoolean("pullcluster.cluster.restarted-first-seed"));
        Assert.False(afterLongDown.RestartedFirstSeed);
    }

    private static FarmSetup Setup(params string[] args) => Setup(Path.Combine(Path.GetTempPath(), "no-such-farm-marker"), args);

    private static FarmSetup Setup(string marker, string[] args)
    {
        var options = NodeOptions.Parse(args);
        var config = NodeConfig.Load(options).WithFallback(ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.port = 0"));
        return FarmSetup.From(config, options, marker);
    }
}
