using System.Runtime.Versioning;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;
using PullCluster.Actors;
using PullCluster.Core.Peers;
using PullCluster.Host;
using PullCluster.Tests.Api;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Peers;

/// <summary>
/// Cluster membership authenticated by the farm's secret, between real actor systems talking Akka.Remote over TLS on
/// distinct loopback addresses (127.0.0.21, .22, …, as on distinct hosts), each set up as a node is, through
/// <see cref="RemoteEndpoint.FromConfig(Config, ClusterSecret?)"/>: members holding the same secret file talk; a host
/// with another secret, without TLS, or of another farm posing as a member exchanges nothing with them, and the
/// refusing side says why; a program holding a certificate from a configured CA still reaches a node with a secret.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class MembershipTlsSpecs : IDisposable
{
    /// <summary>How long a refused sender waits for a reply; an accepted one is answered within milliseconds.</summary>
    private static readonly TimeSpan RefusedWait = TimeSpan.FromSeconds(5);

    private readonly TempDir _dir = TempDir.Create("membership-tls");

    [Fact]
    public async Task Two_members_reading_the_same_secret_file_exchange_messages()
    {
        var file = WriteFile("farm.secret", "the secret of this farm, 32 bytes\n");
        await using var first = Member.Start("127.0.0.21", ClusterSecret.Read(file));
        await using var second = Member.Start("127.0.0.22", ClusterSecret.Read(file));

        Assert.Equal("echo: hello from .22", await second.AskEchoAsync(first, "hello from .22"));
        Assert.Equal("echo: hello from .21", await first.AskEchoAsync(second, "hello from .21"));
        Assert.Equal(["hello from .22"], first.Received);
        Assert.Equal(["hello from .21"], second.Received);
    }

    [Fact]
    public async Task A_host_with_another_secret_is_refused_and_nothing_it_sends_is_delivered()
    {
        await using var node = Member.Start("127.0.0.23", ClusterSecret.Read(WriteFile("farm.secret", "the secret of this farm, 32 bytes")));
        var warnings = node.CaptureWarnings();
        // The intruder accepts any server, so only the node's check of the intruder's certificate can stop it.
        var other = ClusterSecret.Read(WriteFile("other.secret", "a secret of another farm, 32 bytes"));
        await using var intruder = Member.Start("127.0.0.24", other,
            certificate => new DotNettySslSetup(certificate, suppressValidation: true, requireMutualAuthentication: true));

        await AssertNoReplyAsync(intruder, node.EchoPath);

        Assert.Empty(node.Received);
        var refusal = await warnings.FirstAsync("refused TLS peer");
        // The node names the peer by the address it connected from (the intruder's socket is not bound to its host name).
        Assert.Matches(@"refused TLS peer \S+:\d+: its certificate", refusal);
        Assert.Contains("its certificate is not bound to this farm's secret (CN=pullcluster-node (issued by CN=pullcluster-node) " +
                        "carries a membership binding made with another secret, or for another key)", refusal);
    }

    [Fact]
    public async Task A_member_sends_nothing_to_a_host_of_another_farm_that_would_accept_it()
    {
        await using var member = Member.Start("127.0.0.25", ClusterSecret.Read(WriteFile("farm.secret", "the secret of this farm, 32 bytes")));
        var warnings = member.CaptureWarnings();
        // A seed address pointing at the wrong farm, or an impostor: it takes any client, the member's check of it is what counts.
        await using var impostor = Member.Start("127.0.0.26", ClusterSecret.Ephemeral(),
            certificate => new DotNettySslSetup(certificate, suppressValidation: true, requireMutualAuthentication: true));

        await AssertNoReplyAsync(member, impostor.EchoPath);

        Assert.Empty(impostor.Received);
        var refusal = await warnings.FirstAsync("refused TLS peer");
        Assert.Contains($"refused TLS peer ssl.tcp://pullcluster@127.0.0.26:{impostor.Port}: its certificate is not bound to this farm's secret", refusal);
    }

    [Fact]
    public async Task A_host_without_TLS_is_refused_and_nothing_it_sends_is_delivered()
    {
        await using var node = Member.Start("127.0.0.27", ClusterSecret.Ephemeral());
        var warnings = node.CaptureWarnings();
        var plain = ActorSystem.Create("pullcluster", ConfigurationFactory.ParseString("""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.28", port = 0 }
            akka.loglevel = WARNING
            """));
        await using var intruder = new RemoteProgram(plain);

        // Without TLS its only transport is akka.tcp: it speaks plain Akka.Remote to the node's TLS port.
        await AssertNoReplyAsync(intruder.System, node.EchoPath.Replace("akka.ssl.tcp://", "akka.tcp://"));

        Assert.Empty(node.Received);
        Assert.Contains("TLS handshake failure", await warnings.FirstAsync("Rejected incoming connection"));
    }

    [Fact]
    public async Task A_program_with_a_certificate_from_the_configured_CA_still_reaches_a_node_with_a_secret()
    {
        using var authority = TestCertificateAuthority.Create("programs CA");
        var caFile = WriteFile("ca.pem", authority.CertificatePem);
        using var nodeCertificate = authority.IssueServer("pullcluster node");
        var nodeP12 = WritePkcs12(nodeCertificate, "node.p12", "node-password");
        var tlsConfig = $$"""
            pullcluster.remote.tls { certificate = "{{nodeP12}}", password = "node-password", ca-file = "{{caFile}}" }
            """;
        await using var node = Member.Start("127.0.0.29", ClusterSecret.Ephemeral(), extraConfig: tlsConfig);
        Assert.Equal("CN=pullcluster node", node.Endpoint.Tls!.Certificate.Subject);

        using var programCertificate = authority.IssueClient("pullcluster program");
        var programTls = RemoteTls.Load(WritePkcs12(programCertificate, "program.p12", "program-password"), "program-password", caFile);
        await using var program = RemoteProgram.Create("program", programTls.Bootstrap(RemoteNodeFixture.ProgramConfig()), programTls);

        Assert.Equal("echo: from a program", await AskAsync(program.System, node.EchoPath, "from a program"));
        Assert.Equal(["from a program"], node.Received);
    }

    /// <summary>Sends a message to <paramref name="path"/> and asserts no reply comes within <see cref="RefusedWait"/>.</summary>
    private static async Task AssertNoReplyAsync(ActorSystem sender, string path)
    {
        try
        {
            var reply = await AskAsync(sender, path, "let me in", RefusedWait);
            Assert.Fail($"a refused sender got a reply: {reply}");
        }
        catch (AskTimeoutException)
        {
        }
    }

    private static async Task AssertNoReplyAsync(Member sender, string path) => await AssertNoReplyAsync(sender.System, path);

    private static Task<string> AskAsync(ActorSystem sender, string path, string message, TimeSpan? timeout = null)
    {
        var wait = timeout ?? TimeSpan.FromSeconds(15);
        // The ask times out through the sender's own scheduler; the outer bound holds even if that is stuck.
        return sender.ActorSelection(path).Ask<string>(message, wait).WaitAsync(wait + TimeSpan.FromSeconds(5));
    }

    private string WriteFile(string name, string text)
    {
        var path = _dir.Combine(name);
        File.WriteAllText(path, text);
        return path;
    }

    private string WritePkcs12(IssuedCertificate certificate, string name, string password)
    {
        var path = _dir.Combine(name);
        File.WriteAllBytes(path, certificate.Certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// A node's actor system on <c>host</c>, its endpoint and TLS made from its configuration and secret as the node
    /// makes them, with an echo actor at /user/echo that records what reaches it.
    /// </summary>
    private sealed class Member : IAsyncDisposable
    {
        private readonly ConcurrentQueue<string> _received = new();

        private Member(ActorSystem system, RemoteEndpoint endpoint)
        {
            System = system;
            Endpoint = endpoint;
            system.ActorOf(Props.Create(() => new Echo(_received)), "echo");
        }

        public ActorSystem System { get; }

        public RemoteEndpoint Endpoint { get; }

        public IReadOnlyList<string> Received => [.. _received];

        public int Port => ((ExtendedActorSystem)System).Provider.DefaultAddress.Port ?? 0;

        public string EchoPath => $"{((ExtendedActorSystem)System).Provider.DefaultAddress}/user/echo";

        /// <param name="tls">Replaces the node's own TLS setup (made from its certificate): how an intruder departs from the rules.</param>
        public static Member Start(string host, ClusterSecret secret, Func<X509Certificate2, DotNettySslSetup>? tls = null, string extraConfig = "")
        {
            var config = ConfigurationFactory.ParseString($$"""
                akka.actor.provider = remote
                akka.remote.dot-netty.tcp { hostname = "{{host}}", port = 0 }
                akka.loglevel = WARNING
                {{extraConfig}}
                """);
            var endpoint = RemoteEndpoint.FromConfig(config, secret) ?? throw new InvalidOperationException("no remote endpoint");
            var node = endpoint.Tls ?? throw new InvalidOperationException("an endpoint with a secret has no TLS");
            var setup = BootstrapSetup.Create().WithConfig(endpoint.Enforce(config)).And(tls?.Invoke(node.Certificate) ?? node.Setup());
            return new Member(ActorSystem.Create("pullcluster", setup), endpoint);
        }

        public Task<string> AskEchoAsync(Member other, string message) => AskAsync(System, other.EchoPath, message);

        /// <summary>Collects the warnings this system logs from now on.</summary>
        public Warnings CaptureWarnings()
        {
            var warnings = new Warnings();
            var listener = System.ActorOf(Props.Create(() => new WarningListener(warnings)));
            System.EventStream.Subscribe(listener, typeof(Warning));
            return warnings;
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await System.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
            }
            finally
            {
                Endpoint.Dispose();
            }
        }
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo(ConcurrentQueue<string> received) =>
            Receive<string>(message =>
            {
                received.Enqueue(message);
                Sender.Tell($"echo: {message}");
            });
    }

    private sealed class Warnings
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public void Add(string line) => _lines.Enqueue(line);

        /// <summary>The first warning containing <paramref name="text"/>, waiting up to 10 s for it.</summary>
        public async Task<string> FirstAsync(string text)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                if (_lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line) return line;
                await Task.Delay(50);
            }
            throw new TimeoutException($"no warning containing '{text}'; warnings:\n{string.Join('\n', _lines)}");
        }
    }

    private sealed class WarningListener : ReceiveActor
    {
        public WarningListener(Warnings warnings) => Receive<Warning>(w => warnings.Add(w.ToString()));
    }
}
