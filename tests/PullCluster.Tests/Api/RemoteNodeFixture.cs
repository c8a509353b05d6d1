using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Configuration;
using PullCluster.Actors;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Api;

/// <summary>
/// One registry and one node process per test class, the node accepting actor messages over Akka.Remote with
/// mutual TLS on 127.0.0.1: its certificate and the CA of its callers are made at test time, as PKCS#12 and PEM
/// files, and handed to it through the environment as an operator would.
/// </summary>
public sealed class RemoteNodeFixture : IAsyncLifetime
{
    private readonly TempDir _dir = TempDir.Create("remote-tls");
    private RegistryProcess? _registry;
    private NodeProcess? _node;

    /// <summary>The CA whose certificates the node accepts.</summary>
    public TestCertificateAuthority Authority { get; } = TestCertificateAuthority.Create("PullCluster remote callers CA");

    /// <summary>The password of the node's PKCS#12 file; it must never appear in the node's output.</summary>
    public string NodePassword { get; } = "node-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12));

    public string CaFile => _dir.Combine("ca.pem");

    public int RemotePort { get; } = FreePort.Next();

    public RegistryProcess Registry => _registry ?? throw new InvalidOperationException("remote node fixture not initialized");

    public NodeProcess Node => _node ?? throw new InvalidOperationException("remote node fixture not initialized");

    /// <summary>The PullManager's path for a caller using TLS.</summary>
    public string PullsPath => $"akka.ssl.tcp://pullcluster@127.0.0.1:{RemotePort}/user/{PullNode.PullsName}";

    public async Task InitializeAsync()
    {
        _registry = await RegistryProcess.StartAsync();
        File.WriteAllText(CaFile, Authority.CertificatePem);
        using var nodeCertificate = Authority.IssueServer("pullcluster node");
        var nodeFile = WritePkcs12(nodeCertificate, "node.p12", NodePassword);
        _node = await NodeProcess.StartAsync(_dir.Combine("store"), new NodeProcess.Options(Environment: RemoteEnvironment(
            $"127.0.0.1:{RemotePort}", nodeFile, CaFile, NodePassword)));
        await _node.WaitForLogAsync("Remoting now listens", TimeSpan.FromSeconds(30));
    }

    /// <summary>The node's remote settings as environment variables; null blanks one, so the developer's own cannot leak in.</summary>
    public static Dictionary<string, string> RemoteEnvironment(string remote, string? certificate = null, string? ca = null, string? password = null) => new()
    {
        ["PULLCLUSTER_REMOTE"] = remote,
        ["PULLCLUSTER_REMOTE_TLS_CERT"] = certificate ?? "",
        ["PULLCLUSTER_REMOTE_TLS_CA"] = ca ?? "",
        ["PULLCLUSTER_REMOTE_TLS_PASSWORD"] = password ?? "",
    };

    /// <summary>Writes <paramref name="certificate"/> with its key as a PKCS#12 file in this fixture's directory.</summary>
    public string WritePkcs12(IssuedCertificate certificate, string name, string password)
    {
        var path = _dir.Combine(name);
        File.WriteAllBytes(path, certificate.Certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    public string WriteFile(string name, string text)
    {
        var path = _dir.Combine(name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>The configuration of a program's actor system: Akka.Remote on 127.0.0.1, any free port.</summary>
    public static Config ProgramConfig(string extra = "") => ConfigurationFactory.ParseString($$"""
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        akka.loglevel = WARNING
        {{extra}}
        """);

    public async Task DisposeAsync()
    {
        if (_node is not null) await _node.DisposeAsync();
        if (_registry is not null) await _registry.DisposeAsync();
        Authority.Dispose();
        _dir.Dispose();
    }
}
