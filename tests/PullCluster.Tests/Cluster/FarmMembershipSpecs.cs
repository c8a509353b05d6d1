using System.Net;
using System.Net.Http.Headers;
using PullCluster.Core.Gateway;
using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PullCluster.Tests.Cluster;

/// <summary>
/// Only holders of the farm's secret are members: a node with another secret is refused and gets no blob, and the
/// peer HTTP listener answers a request without the secret's signature with 401 and not a byte of content.
/// </summary>
[Collection(FarmOfThree.Name)]
public sealed class FarmMembershipSpecs(FarmOfThreeFixture fixture, ITestOutputHelper output) : FarmKit(fixture, output)
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task A_node_with_a_wrong_secret_is_not_let_in_and_gets_no_blob()
    {
        var image = ThreeLayers();
        var repo = RepoName.Unique("farm-outsider");
        var reference = (await image.PushAsync(Registry, repo, "1")).TagReference;
        _ = await SucceededAsync(0, Pull(0, reference));
        var wrongSecret = Path.Combine(Fixture.Scratch("wrong-secret"), "cluster.secret");
        ClusterFarm.WriteSecret(wrongSecret);
        // The outsider's registry serves no blob, so any blob it got would have come from a farm node.
        await using var noBlobs = FaultProxy.Start(Registry);
        noBlobs.Inject(Fault.Status(404), pathContains: "/blobs/", method: "GET", times: FaultRule.Always);

        var (outsider, outsiderAddress) = await Farm.StartOutsiderAsync(wrongSecret);
        NodeProcess.Outcome? outcome = null;
        try
        {
            outcome = await outsider.PullAsync(noBlobs.Reference(repo, "1"), timeout: TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException e)
        {
            Output.WriteLine($"the outsider's pull did not finish: {e.Message}");
        }

        Assert.False(outcome?.Final is { Kind: GatewayKinds.Result }, $"the outsider pulled {reference}: {outcome?.Final}");
        var blobsDir = Path.Combine(outsider.Store, "blobs");
        var ingestDir = Path.Combine(outsider.Store, "ingest");
        foreach (var blob in image.Layers.Select(l => l.Digest))
        {
            Assert.False(File.Exists(Path.Combine(blobsDir, blob.Algorithm, blob.Hex)), $"the outsider holds {blob}");
            var partial = Path.Combine(ingestDir, $"{blob.Algorithm}-{blob.Hex}.partial");
            Assert.True(!File.Exists(partial) || new FileInfo(partial).Length == 0, $"the outsider received bytes of {blob}");
        }
        for (var i = 0; i < Farm.Size; i++)
        {
            var seen = Farm[i].LogLines.Select(ClusterFarm.UpCount).Max();
            Assert.True(seen <= Farm.Size, $"node {i} saw {seen} members up in a farm of {Farm.Size}\n{Farm.Logs()}");
            Assert.DoesNotContain(Farm[i].LogLines, l => l.Contains("cluster member up:") && l.Contains(outsiderAddress.Remote));
        }
        Assert.DoesNotContain(outsider.LogLines, l => ClusterFarm.UpCount(l) is not null && Enumerable.Range(0, Farm.Size).Any(
            i => l.Contains(Farm.Address(i).Remote)));
        await outsider.DisposeAsync();
    }

    [Fact]
    public async Task A_blob_request_to_a_peer_without_the_secret_gets_401_and_no_bytes()
    {
        var image = ThreeLayers();
        var reference = (await image.PushAsync(Registry, RepoName.Unique("farm-401"), "1")).TagReference;
        _ = await SucceededAsync(0, Pull(0, reference));
        var blob = image.Layers[0].Digest;
        var url = new Uri(Farm.Address(0).HttpUri, $"pullcluster/v1/blobs/{blob}");

        var attempts = new (string What, HttpMethod Method, Action<HttpRequestHeaders> Headers)[]
        {
            ("GET without Authorization", HttpMethod.Get, _ => { }),
            ("HEAD without Authorization", HttpMethod.Head, _ => { }),
            ("GET with a Range", HttpMethod.Get, h => h.Range = new RangeHeaderValue(0, 99)),
            ("GET with a forged signature", HttpMethod.Get, h => h.Authorization = new AuthenticationHeaderValue("PullCluster-HMAC", "forged")),
            ("GET with basic credentials", HttpMethod.Get, h => h.Authorization = new AuthenticationHeaderValue("Basic", "cHVsbDpjbHVzdGVy")),
        };
        foreach (var (what, method, headers) in attempts)
        {
            using var request = new HttpRequestMessage(method, url);
            headers(request.Headers);
            using var response = await Http.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode != HttpStatusCode.Unauthorized || body.Length != 0)
                throw new XunitException($"{what} of {url} got HTTP {(int)response.StatusCode} with {body.Length} bytes; expected 401 and none");
        }
    }
}
