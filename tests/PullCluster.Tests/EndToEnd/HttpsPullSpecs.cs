using Akka.Actor;
using Akka.Configuration;
using PullCluster.Actors;
using PullCluster.Actors.Protocol;
using PullCluster.Tests.Infrastructure;
using PullCluster.Tests.Registry;
using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.EndToEnd;

/// <summary>
/// A node configured with HOCON, as an operator would write it, pulling from the distribution registry serving
/// HTTPS on 127.0.0.1 and materializing the rootfs.
/// </summary>
public sealed class HttpsPullSpecs : Akka.TestKit.Xunit2.TestKit, IClassFixture<TlsRegistryFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TlsRegistryFixture _fixture;
    private readonly TempDir _dir;
    private NodeServices? _services;

    public HttpsPullSpecs(TlsRegistryFixture fixture, ITestOutputHelper output) : this(fixture, output, TempDir.Create("e2e-https"))
    {
    }

    private HttpsPullSpecs(TlsRegistryFixture fixture, ITestOutputHelper output, TempDir dir)
        : base(ConfigurationFactory.ParseString("akka.loglevel = INFO\nakka.stdout-loglevel = WARNING")
            .WithFallback(PullNode.AkkaConfig(TestNode.Settings(dir))), "test", output)
    {
        _fixture = fixture;
        _dir = dir;
    }

    private string Address => _fixture.Tls.Address;

    /// <summary>Starts a node from <paramref name="hosts"/> (the body of pullcluster.registry.hosts) with certs.d under the test's directory.</summary>
    private IActorRef StartNode(string hosts)
    {
        var config = ConfigurationFactory.ParseString($$"""
            pullcluster {
              store-sync-layers = off
              registry {
                read-credential-files = off
                initial-backoff = 50ms
                certs-directories = ["{{_dir.Combine("certs.d")}}"]
                hosts { {{hosts}} }
              }
            }
            """);
        var settings = PullClusterSettings.FromConfig(config, _dir.Combine("store"));
        settings.Registry.HomeDirectory = _dir.Path;
        _services = new NodeServices(settings with { ProgressInterval = TimeSpan.FromMilliseconds(50) });
        return PullNode.Start(Sys, _services);
    }

    private async Task<(TestImage Image, string Reference)> PushAsync()
    {
        var image = TestImage.Oci()
            .Layer(l => l.Dir("etc").File("etc/os-release", "ID=pullcluster\n").Dir("bin").File("bin/tool", "#!/bin/sh\n", mode: "755"))
            .Layer(l => l.Dir("etc").File("etc/motd", $"pulled over TLS {Guid.NewGuid()}\n"))
            .Build();
        var repository = RepoName.Unique("https");
        await image.PushAsync(_fixture.Plain, repository, "1");
        return (image, $"{Address}/{repository}:1");
    }

    private async Task<object> PullAsync(IActorRef pulls, string reference)
    {
        var probe = CreateTestProbe();
        pulls.Tell(new PullImage(reference, null, probe));
        return (await EndToEndKit.ReceivePullAsync(probe, Patience)).Result;
    }

    private async Task AssertPullsAndMaterializesAsync(IActorRef pulls)
    {
        var (image, reference) = await PushAsync();
        var mark = _fixture.Tls.AccessLog.Mark();

        var succeeded = Assert.IsType<PullSucceeded>(await PullAsync(pulls, reference));
        var rootfs = _dir.Combine("rootfs");
        Assert.IsType<ImageOperationDone>(await pulls.Ask<object>(new MaterializeRootfs(reference, rootfs), Patience));

        Assert.Equal(image.Digest.ToString(), succeeded.ManifestDigest);
        Assert.Equal("ID=pullcluster\n", await File.ReadAllTextAsync(Path.Combine(rootfs, "etc", "os-release")));
        Assert.StartsWith("pulled over TLS ", await File.ReadAllTextAsync(Path.Combine(rootfs, "etc", "motd")));
        await _fixture.Tls.AccessLog.WaitForQuietAsync();
        Assert.Equal(image.LayerDescriptors.Count + 1, _fixture.Tls.AccessLog.BlobGets(mark).Count);
    }

    [Fact]
    public async Task A_node_configured_with_insecure_off_and_a_ca_file_pulls_over_https()
    {
        var pulls = StartNode($$"""
            "{{Address}}" { insecure = off, ca-file = "{{_fixture.CaFile}}" }
            """);
        await AssertPullsAndMaterializesAsync(pulls);
    }

    [Fact]
    public async Task A_node_trusts_the_ca_in_the_registrys_certs_d_directory()
    {
        File.WriteAllText(Path.Combine(_dir.Subdirectory("certs.d", Address), "ca.crt"), _fixture.Ca.CertificatePem);
        var pulls = StartNode($$"""
            "{{Address}}" { insecure = off }
            """);
        await AssertPullsAndMaterializesAsync(pulls);
    }

    [Fact]
    public async Task Without_the_ca_the_pull_fails_naming_the_registry_and_the_remedies()
    {
        var pulls = StartNode($$"""
            "{{Address}}" { insecure = off }
            """);
        var (_, reference) = await PushAsync();

        var failed = Assert.IsType<PullFailed>(await PullAsync(pulls, reference));

        Assert.Contains($"TLS connection to {Address} failed: the certificate is not trusted (CN=PullCluster test registry", failed.Reason);
        Assert.Contains("add its CA with ca-file or certs.d, or set skip-tls-verify", failed.Reason);
    }

    [Fact]
    public async Task Insecure_on_against_the_tls_registry_fails_saying_it_speaks_https()
    {
        var pulls = StartNode($$"""
            "{{Address}}" { insecure = on }
            """);
        var (_, reference) = await PushAsync();

        var failed = Assert.IsType<PullFailed>(await PullAsync(pulls, reference));

        Assert.Contains($"HTTP 400 Bad Request: {Address} speaks HTTPS but was asked in plain HTTP; set insecure = off for it", failed.Reason);
    }

    protected override void Dispose(bool disposing)
    {
        // The actor system goes first, so no actor is still writing into the store when it is deleted.
        base.Dispose(disposing);
        if (!disposing) return;
        _services?.Dispose();
        _dir.Dispose();
    }
}
