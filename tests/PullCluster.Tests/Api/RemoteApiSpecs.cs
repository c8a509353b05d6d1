using System.Diagnostics;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;
using PullCluster.Actors;
using PullCluster.Actors.Protocol;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Api;

/// <summary>
/// The message API over Akka.Remote, against a real node process that authenticates its peers with mutual TLS: a
/// program given a certificate from the node's CA pulls and lists; a program without TLS, one with TLS but no
/// certificate, and one whose certificate comes from another CA get nothing handled: no reply, and the registry
/// never sees a request for their image.
/// </summary>
public sealed class RemoteApiSpecs(RemoteNodeFixture fixture) : IClassFixture<RemoteNodeFixture>
{
    /// <summary>How long a refused program waits for any reply; an accepted one is answered within milliseconds.</summary>
    private static readonly TimeSpan RefusedWait = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_program_with_a_certificate_from_the_nodes_CA_pulls_and_lists_through_the_message_api()
    {
        var image = TestImage.Oci()
            .Layer(l => l.Dir("etc").File("etc/hostname", "remote\n"))
            .Layer(l => l.File("app/run", "#!/bin/sh\necho hi\n", mode: "755"))
            .Build();
        var pushed = await image.PushAsync(fixture.Registry, RepoName.Unique("remote"), "1");

        // As the README shows it: the program's own configuration names its certificate and the CA.
        using var certificate = fixture.Authority.IssueClient("pullcluster program");
        var password = "program-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var config = RemoteNodeFixture.ProgramConfig($$"""
            pullcluster.remote.tls {
              certificate = "{{fixture.WritePkcs12(certificate, "program.p12", password)}}"
              password = "{{password}}"
              ca-file = "{{fixture.CaFile}}"
            }
            """);
        var tls = RemoteTls.FromConfig(config) ?? throw new InvalidOperationException("pullcluster.remote.tls not read");
        await using var program = RemoteProgram.Create("program", tls.Bootstrap(config), tls);

        var pulls = await program.System.ActorSelection(fixture.PullsPath).ResolveOne(TimeSpan.FromSeconds(10)).WaitAsync(TimeSpan.FromSeconds(15));
        var inbox = Inbox.Create(program.System);
        pulls.Tell(new PullImage(pushed.TagReference, ReplyTo: inbox.Receiver));

        var progress = new List<PullProgress>();
        PullSucceeded? result = null;
        while (result is null)
        {
            switch (await inbox.ReceiveAsync(TimeSpan.FromSeconds(60)).WaitAsync(TimeSpan.FromSeconds(65)))
            {
                case PullProgress p: progress.Add(p); break;
                case PullSucceeded s: result = s; break;
                case PullFailed f: Assert.Fail($"remote pull failed: {f.Reason}"); break;
            }
        }
        Assert.Equal(pushed.TagReference, result.Image);
        Assert.Equal(image.Digest.ToString(), result.ManifestDigest);
        Assert.Equal(2, result.ChainIds.Count);
        Assert.Equal(image.Layers.Sum(l => (long)l.Blob.Length) + image.Config.Bytes.Length, result.BytesFetched);
        Assert.NotEmpty(progress);
        Assert.All(progress.Last().Layers, l => Assert.Equal("Pull complete", l.State));

        pulls.Tell(new ListImages(inbox.Receiver));
        var list = Assert.IsType<ImageList>(await inbox.ReceiveAsync(TimeSpan.FromSeconds(30)).WaitAsync(TimeSpan.FromSeconds(35)));
        Assert.Contains(list.Images, i => i.Image == pushed.TagReference && i.Layers == 2);
        Assert.DoesNotContain(fixture.NodePassword, fixture.Node.Log);
    }

    [Fact]
    public async Task A_program_without_TLS_gets_nothing_handled()
    {
        await using var program = RemoteProgram.Create("intruder", ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(RemoteNodeFixture.ProgramConfig())));
        var before = fixture.Node.LogLines.Count;
        // Without TLS its only transport is akka.tcp: it speaks plain Akka.Remote to the node's TLS port.
        await AssertRefusedAsync(program, $"akka.tcp://pullcluster@127.0.0.1:{fixture.RemotePort}/user/{PullNode.PullsName}");
        Assert.Contains("due to TLS handshake failure", await NodeLogLineAfterAsync(before, "Rejected incoming connection"));
    }

    [Fact]
    public async Task Writing_on_the_nodes_host_and_streaming_its_store_are_refused_to_a_remote_program()
    {
        using var store = TempDir.Create("remote-writes");
        var settings = new PullClusterSettings(store.Path, 4, 2, false, TimeSpan.FromMilliseconds(100), new Core.Registry.RegistryOptions { ReadCredentialFiles = false });
        var nodePort = FreePort.Next();
        // A node is a cluster node, whose endpoint a program (a plain Akka.Remote system) reaches as any other.
        using var node = ActorSystem.Create("pullcluster", ConfigurationFactory.ParseString("akka.actor.provider = cluster")
            .WithFallback(Remote(nodePort)).WithFallback(PullNode.AkkaConfig(settings)));
        using var services = new NodeServices(settings);
        PullNode.Start(node, services);
        // Without RemoteTls.Bootstrap a program binds the API's serializer itself, or it cannot read the refusal.
        using var program = ActorSystem.Create("program", Remote(FreePort.Next()).WithFallback(ApiSerializer.AkkaConfig));
        var pulls = await program.ActorSelection($"akka.tcp://pullcluster@127.0.0.1:{nodePort}/user/{PullNode.PullsName}")
            .ResolveOne(TimeSpan.FromSeconds(10));
        var target = store.Combine("written-by-the-node");
        var inbox = Inbox.Create(program);

        pulls.Tell(new MaterializeRootfs("127.0.0.1:1/any:1", target, inbox.Receiver));
        var rootfs = Assert.IsType<ImageOperationFailed>(await inbox.ReceiveAsync(TimeSpan.FromSeconds(30)));
        pulls.Tell(new ExportImage("127.0.0.1:1/any:1", target), inbox.Receiver);
        var export = Assert.IsType<ImageOperationFailed>(await inbox.ReceiveAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains("only accepted from the node's own process", rootfs.Reason);
        Assert.Contains("only accepted from the node's own process", export.Reason);
        Assert.False(Directory.Exists(target));
    }

    private static Config Remote(int port) => ConfigurationFactory.ParseString($$"""
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{port}} }
        akka.loglevel = WARNING
        """);

    [Fact]
    public async Task A_program_with_TLS_but_no_certificate_gets_nothing_handled()
    {
        // It accepts any server and offers no client certificate: only the node's demand for one can stop it.
        using var authority = TestCertificateAuthority.Create("intruder CA");
        using var own = authority.IssueServer("intruder");
        var setup = BootstrapSetup.Create().WithConfig(RemoteTls.AkkaConfig.WithFallback(RemoteNodeFixture.ProgramConfig()))
            .And(new DotNettySslSetup(own.Certificate, suppressValidation: true, requireMutualAuthentication: false));
        await using var program = RemoteProgram.Create("intruder", setup);
        var before = fixture.Node.LogLines.Count;
        await AssertRefusedAsync(program, fixture.PullsPath);
        await NodeLogLineAfterAsync(before, "Mutual TLS required but client did not provide a certificate");
        Assert.Contains("due to TLS handshake failure", await NodeLogLineAfterAsync(before, "Rejected incoming connection"));
    }

    [Fact]
    public async Task A_program_whose_certificate_comes_from_another_CA_gets_nothing_handled()
    {
        using var authority = TestCertificateAuthority.Create("another CA");
        using var certificate = authority.IssueClient("pullcluster program");
        // The program trusts the node's CA as well as its own, so the node's validation is the only thing that refuses.
        var caFile = fixture.WriteFile("both-cas.pem", authority.CertificatePem + fixture.Authority.CertificatePem);
        var tls = RemoteTls.Load(fixture.WritePkcs12(certificate, "other-ca-program.p12", "other"), "other", caFile);
        await using var program = RemoteProgram.Create("intruder", tls.Bootstrap(RemoteNodeFixture.ProgramConfig()), tls);
        var before = fixture.Node.LogLines.Count;
        await AssertRefusedAsync(program, fixture.PullsPath);
        Assert.Contains("issued by CN=another CA", await NodeLogLineAfterAsync(before, "refused TLS peer"));
    }

    /// <summary>
    /// Sends PullImage from <paramref name="program"/> to <paramref name="path"/>: no reply may come,
    /// the registry must see no request for the image, and a trusted caller must find the node still serving and
    /// the image not listed.
    /// </summary>
    private async Task AssertRefusedAsync(RemoteProgram program, string path)
    {
        var registry = fixture.Registry;
        var image = TestImage.Oci().Layer(l => l.File("secret", "not for intruders\n")).Build();
        var repository = RepoName.Unique("intrusion");
        var pushed = await image.PushAsync(registry, repository, "1");
        var mark = registry.AccessLog.Mark();

        var inbox = Inbox.Create(program.System);
        var pulls = program.System.ActorSelection(path);
        pulls.Tell(new PullImage(pushed.TagReference, ReplyTo: inbox.Receiver), inbox.Receiver);
        await AssertNoReplyAsync(inbox, RefusedWait);

        await registry.AccessLog.WaitForQuietAsync();
        Assert.DoesNotContain(registry.AccessLog.Entries(mark), e => e.Repository == repository);
        var listed = await TrustedListAsync();
        Assert.DoesNotContain(listed.Images, i => i.Image == pushed.TagReference);
    }

    private static async Task AssertNoReplyAsync(Inbox inbox, TimeSpan wait)
    {
        object? reply;
        try
        {
            // The inbox times out through the program's own scheduler; the outer bound holds even if that is stuck.
            reply = await inbox.ReceiveAsync(wait).WaitAsync(wait + TimeSpan.FromSeconds(2));
        }
        catch (TimeoutException)
        {
            return;
        }
        Assert.Fail($"a refused program got a reply from the node: {reply}");
    }

    /// <summary>The first line of the node's log after its first <paramref name="after"/> lines that contains <paramref name="text"/>.</summary>
    private async Task<string> NodeLogLineAfterAsync(int after, string text)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (fixture.Node.LogLines.Skip(after).FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line) return line;
            await Task.Delay(50);
        }
        throw new TimeoutException($"the node logged no '{text}' line; log ends:\n{fixture.Node.LogTail()}");
    }

    /// <summary>The node's image list, asked by a program holding a certificate from the node's CA.</summary>
    private async Task<ImageList> TrustedListAsync()
    {
        using var certificate = fixture.Authority.IssueClient("pullcluster lister");
        var tls = RemoteTls.Load(fixture.WritePkcs12(certificate, "lister.p12", "lister"), "lister", fixture.CaFile);
        await using var program = RemoteProgram.Create("lister", tls.Bootstrap(RemoteNodeFixture.ProgramConfig()), tls);
        var pulls = await program.System.ActorSelection(fixture.PullsPath).ResolveOne(TimeSpan.FromSeconds(10)).WaitAsync(TimeSpan.FromSeconds(15));
        var inbox = Inbox.Create(program.System);
        pulls.Tell(new ListImages(inbox.Receiver));
        return Assert.IsType<ImageList>(await inbox.ReceiveAsync(TimeSpan.FromSeconds(30)).WaitAsync(TimeSpan.FromSeconds(35)));
    }
}
