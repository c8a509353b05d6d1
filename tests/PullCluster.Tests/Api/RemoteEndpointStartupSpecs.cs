using System.Security.Cryptography.X509Certificates;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Api;

/// <summary>
/// When the node opens its Akka.Remote endpoint: never beyond loopback without TLS, never with credentials it cannot
/// read (and never printing their password), and on loopback without TLS only with a warning.
/// </summary>
public sealed class RemoteEndpointStartupSpecs : IDisposable
{
    private readonly TempDir _dir = TempDir.Create("remote-startup");

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("192.0.2.10")]
    [InlineData("node.example.com")]
    public async Task A_node_told_to_listen_beyond_loopback_without_TLS_refuses_to_start(string host)
    {
        var run = await RunNodeAsync(RemoteNodeFixture.RemoteEnvironment($"{host}:{FreePort.Next()}"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("refusing to accept actor messages", run.Stderr);
        Assert.Contains("without TLS", run.Stderr);
        Assert.DoesNotContain("Remoting started", run.Stdout);
    }

    [Theory]
    [InlineData("akka.remote.dot-netty.tcp.hostname = \"0.0.0.0\"", "without TLS")]
    [InlineData("akka.remote.dot-netty.tcp { hostname = \"127.0.0.1\", enable-ssl = on, ssl.suppress-validation = on }", "enable-ssl is set without pullcluster.remote.tls")]
    [InlineData("akka.remote.enabled-transports = [\"akka.remote.plain\"]", "enabled-transports must be")]
    public async Task A_config_file_cannot_open_the_remote_endpoint_around_the_rule(string remoteSettings, string refusal)
    {
        var config = _dir.Combine("remote.conf");
        File.WriteAllText(config, $"akka.actor.provider = remote\nakka.remote.dot-netty.tcp.port = {FreePort.Next()}\n{remoteSettings}\n");
        var environment = RemoteNodeFixture.RemoteEnvironment("");
        environment["PULLCLUSTER_CONFIG"] = config;

        var run = await RunNodeAsync(environment);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(refusal, run.Stderr);
    }

    [Fact]
    public async Task A_node_refuses_to_start_when_its_certificate_cannot_be_read_and_does_not_print_the_password()
    {
        using var authority = TestCertificateAuthority.Create("startup CA");
        using var certificate = authority.IssueServer("pullcluster node");
        var p12 = _dir.Combine("node.p12");
        File.WriteAllBytes(p12, certificate.Certificate.Export(X509ContentType.Pkcs12, "the-right-password"));
        var ca = _dir.Combine("ca.pem");
        File.WriteAllText(ca, authority.CertificatePem);

        const string wrong = "a-wrong-password-4711";
        var run = await RunNodeAsync(RemoteNodeFixture.RemoteEnvironment($"0.0.0.0:{FreePort.Next()}", p12, ca, wrong));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"cannot read the remote TLS certificate {p12}", run.Stderr);
        Assert.DoesNotContain(wrong, run.Stdout + run.Stderr);
    }

    [Fact]
    public async Task A_node_with_a_certificate_but_no_CA_refuses_to_start()
    {
        using var authority = TestCertificateAuthority.Create("startup CA");
        using var certificate = authority.IssueServer("pullcluster node");
        var p12 = _dir.Combine("node.p12");
        File.WriteAllBytes(p12, certificate.Certificate.Export(X509ContentType.Pkcs12, "pw"));

        var run = await RunNodeAsync(RemoteNodeFixture.RemoteEnvironment($"127.0.0.1:{FreePort.Next()}", p12, password: "pw"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("ca-file is not", run.Stderr);
    }

    [Fact]
    public async Task A_root_node_on_loopback_without_TLS_refuses_to_start_unless_told_every_local_user_may_send_messages()
    {
        var refused = await RunNodeAsync(RemoteNodeFixture.RemoteEnvironment($"127.0.0.1:{FreePort.Next()}"));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("without TLS as root", refused.Stderr + refused.Stdout);

        var port = FreePort.Next();
        var config = _dir.Combine("allow.conf");
        File.WriteAllText(config, "pullcluster.remote.allow-unauthenticated-loopback = on\n");
        await using var node = await NodeProcess.StartAsync(_dir.Combine("store"),
            new NodeProcess.Options(ConfigFile: config, Environment: RemoteNodeFixture.RemoteEnvironment($"127.0.0.1:{port}")));

        var warning = await node.WaitForLogAsync("any local user can send messages to the endpoint", TimeSpan.FromSeconds(30));
        Assert.Contains("warn", warning);
        Assert.Contains($"127.0.0.1:{port}", warning);
        await node.WaitForLogAsync($"akka.tcp://pullcluster@127.0.0.1:{port}", TimeSpan.FromSeconds(30));
    }

    /// <summary>Runs the node binary with the given remote settings until it exits (it must, within a minute).</summary>
    private async Task<ProcResult> RunNodeAsync(Dictionary<string, string> environment)
    {
        var env = environment.ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        env.TryAdd("PULLCLUSTER_CONFIG", "");
        return await Proc.RunAsync("dotnet",
            [NodeProcess.BinaryPath, "--node", $"127.0.0.1:{FreePort.Next()}", "--store", _dir.Combine("store")],
            timeout: TimeSpan.FromSeconds(60), environment: env);
    }

    public void Dispose() => _dir.Dispose();
}
