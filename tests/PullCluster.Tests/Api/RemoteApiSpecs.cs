using Akka.Actor;
using Akka.Configuration;
using PullCluster.Actors;
using PullCluster.Actors.Protocol;
using PullCluster.Tests.Infrastructure;
using Xunit;
using CoreRegistry = PullCluster.Core.Registry;

namespace PullCluster.Tests.Api;

/// <summary>
/// The message API is the same for remote callers: a program in another actor system sends PullImage to
/// the node's /user/pulls over Akka.Remote and receives the progress and result records.
/// </summary>
public sealed class RemoteApiSpecs(RegistryFixture fixture) : IClassFixture<RegistryFixture>, IDisposable
{
    private readonly TempDir _store = TempDir.Create("remote-api");

    [Fact]
    public async Task A_remote_program_pulls_and_lists_through_the_message_api()
    {
        var registry = fixture.Registry;
        var image = TestImage.Oci()
            .Layer(l => l.Dir("etc").File("etc/hostname", "remote\n"))
            .Layer(l => l.File("app/run", "#!/bin/sh\necho hi\n", mode: "755"))
            .Build();
        var pushed = await image.PushAsync(registry, RepoName.Unique("remote"), "1");

        var settings = new PullClusterSettings(_store.Path, 4, 2, false, TimeSpan.FromMilliseconds(100), new CoreRegistry.RegistryOptions { ReadCredentialFiles = false });
        var nodePort = FreePort.Next();
        using var node = ActorSystem.Create("pullcluster", Remote(nodePort).WithFallback(PullNode.AkkaConfig(settings)));
        using var services = new NodeServices(settings);
        PullNode.Start(node, services);
        using var program = ActorSystem.Create("program", Remote(FreePort.Next()));

        var pulls = await program.ActorSelection($"akka.tcp://pullcluster@127.0.0.1:{nodePort}/user/{PullNode.PullsName}")
            .ResolveOne(TimeSpan.FromSeconds(10));
        var inbox = Inbox.Create(program);
        pulls.Tell(new PullImage(pushed.TagReference, ReplyTo: inbox.Receiver));

        var progress = new List<PullProgress>();
        PullSucceeded? result = null;
        while (result is null)
        {
            switch (await inbox.ReceiveAsync(TimeSpan.FromSeconds(60)))
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
        var list = Assert.IsType<ImageList>(await inbox.ReceiveAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(list.Images, i => i.Image == pushed.TagReference && i.Layers == 2);
    }

    [Fact]
    public async Task Writing_on_the_nodes_host_and_streaming_its_store_are_refused_to_a_remote_program()
    {
        var settings = new PullClusterSettings(_store.Path, 4, 2, false, TimeSpan.FromMilliseconds(100), new CoreRegistry.RegistryOptions { ReadCredentialFiles = false });
        var nodePort = FreePort.Next();
        using var node = ActorSystem.Create("pullcluster", Remote(nodePort).WithFallback(PullNode.AkkaConfig(settings)));
        using var services = new NodeServices(settings);
        PullNode.Start(node, services);
        using var program = ActorSystem.Create("program", Remote(FreePort.Next()));
        var pulls = await program.ActorSelection($"akka.tcp://pullcluster@127.0.0.1:{nodePort}/user/{PullNode.PullsName}")
            .ResolveOne(TimeSpan.FromSeconds(10));
        var target = _store.Combine("written-by-the-node");
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

    public void Dispose() => _store.Dispose();
}
