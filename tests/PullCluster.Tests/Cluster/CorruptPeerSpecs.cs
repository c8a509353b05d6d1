using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.Cluster;

/// <summary>
/// A peer that serves wrong bytes costs a retry, never a wrong layer: the receiver checks size and digest as for a
/// registry download, drops that peer for the blob and takes it from another holder or the registry.
/// </summary>
[Collection(FarmOfThree.Name)]
public sealed class CorruptPeerSpecs(FarmOfThreeFixture fixture, ITestOutputHelper output) : FarmKit(fixture, output)
{
    [Fact]
    public async Task A_peer_whose_stored_blob_rotted_costs_a_registry_fetch_and_the_layer_is_still_right()
    {
        // Node 0's copy of the first layer rots on disk after its pull (one byte flipped, the size unchanged), so it
        // serves bytes whose digest is wrong; nodes 1 and 2 then pull one after the other.
        var rotten = RandomLayer("rotten", 500_000);
        var sound = RandomLayer("sound", 300_000);
        var image = TestImage.Oci().Layer(rotten).Layer(sound).Build();
        var reference = (await image.PushAsync(Registry, RepoName.Unique("farm-rotten"), "1")).TagReference;
        var expected = UmociTreeAsync(image);
        _ = await SucceededAsync(0, Pull(0, reference));
        FlipByte(Path.Combine(Farm.StoreOf(0), "blobs", rotten.Digest.Algorithm, rotten.Digest.Hex), rotten.Size / 2);
        var mark = Registry.AccessLog.Mark();

        var first = await SucceededAsync(1, Pull(1, reference));
        await AssertRootfsAsync(1, reference, await expected);
        await Registry.AccessLog.WaitForQuietAsync();
        // Only the rotten blob comes from the registry again; the sound layer and the config come from node 0.
        Assert.Equal(Each([rotten.Digest], 1), RegistryGetsPerBlob(mark));
        Assert.True(first.BytesFromPeers >= sound.Size, $"node 1 took {first.BytesFromPeers} bytes from peers, less than the sound layer");

        // Node 1 now holds a sound copy: node 2 needs the registry no more, whichever holder it asks first.
        _ = await SucceededAsync(2, Pull(2, reference));
        await AssertRootfsAsync(2, reference, await expected);
        await Registry.AccessLog.WaitForQuietAsync();
        Assert.Equal(Each([rotten.Digest], 1), RegistryGetsPerBlob(mark));
    }

    [Fact]
    public async Task A_peer_behind_a_corrupting_proxy_costs_a_retry_and_the_layer_is_still_right()
    {
        // Node 0 is restarted advertising (--peer-url) a fault proxy in front of its --http; the proxy flips one byte of
        // the first transfer of the layer. Node 1 pulls after node 0 holds the image, so its bytes come from node 0.
        const int server = 0;
        var layer = RandomLayer("corrupted", 500_000);
        var image = TestImage.Oci().Layer(layer).Layer(RandomLayer("clean", 200_000)).Build();
        var reference = (await image.PushAsync(Registry, RepoName.Unique("farm-corrupting"), "1")).TagReference;
        var expected = UmociTreeAsync(image);
        await using var proxy = FaultProxy.Start(Farm.Address(server).HttpPort, Farm.Address(server).Host.ToString());
        var corrupt = proxy.Inject(Fault.CorruptByteAt(layer.Size / 2), pathContains: layer.Digest.ToString(), method: "GET");
        await Farm.RestartAsync(server, proxy.BaseUri);
        try
        {
            _ = await SucceededAsync(server, Pull(server, reference));

            var receiver = await SucceededAsync(1, Pull(1, reference));

            await AssertRootfsAsync(1, reference, await expected);
            Assert.True(corrupt.Hits == 1, $"the proxy corrupted {corrupt.Hits} transfers; node 0 served:\n{string.Join("\n", proxy.Requests)}");
            Assert.True(receiver.BytesFromPeers > 0, $"node 1 took nothing from peers\n{string.Join("\n", proxy.Requests)}");
        }
        finally
        {
            await Farm.RestartAsync(server);
        }
    }

    private static void FlipByte(string path, long offset)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"the node's store holds no blob at {path}", path);
        // Blobs may be stored read-only; the test plays a disk that does not care.
        var mode = OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(path);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode | UnixFileMode.UserWrite);
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = offset;
            var b = file.ReadByte();
            file.Position = offset;
            file.WriteByte((byte)~b);
        }
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
    }
}
