using PullCluster.Core.Gateway;
using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.Cluster;

/// <summary>
/// A farm pulling one image at once: the registry serves each blob once for the whole cluster, the other hosts take it
/// from peers, and every host ends with umoci's rootfs.
/// </summary>
[Collection(FarmOfThree.Name)]
public sealed class FarmOfThreePullSpecs(FarmOfThreeFixture fixture, ITestOutputHelper output) : FarmKit(fixture, output)
{
    [Fact]
    public async Task Three_nodes_pulling_one_image_at_once_get_each_blob_from_the_registry_once_and_umocis_rootfs() =>
        await AllNodesPullOneImageAtOnceAsync();
}

/// <summary>The same with five nodes, and two images sharing base layers pulled on different nodes at once.</summary>
[Collection(FarmOfFive.Name)]
public sealed class FarmOfFivePullSpecs(FarmOfFiveFixture fixture, ITestOutputHelper output) : FarmKit(fixture, output)
{
    [Fact]
    public async Task Five_nodes_pulling_one_image_at_once_get_each_blob_from_the_registry_once_and_umocis_rootfs() =>
        await AllNodesPullOneImageAtOnceAsync();

    [Fact]
    public async Task Two_images_sharing_base_layers_pulled_on_different_nodes_at_once_get_the_shared_blobs_from_the_registry_once()
    {
        var base1 = RandomLayer("base1", 250_000);
        var base2 = RandomLayer("base2", 150_000);
        var app = TestImage.Oci().Layer(base1).Layer(base2).Layer(RandomLayer("app", 100_000)).Build();
        var web = TestImage.Oci().Layer(base1).Layer(base2).Layer(RandomLayer("web", 120_000))
            .EditConfig(c => c["config"]!["Cmd"] = new System.Text.Json.Nodes.JsonArray("/web")).Build();
        var repo = RepoName.Unique("farm-shared");
        var appRef = (await app.PushAsync(Registry, repo, "app")).TagReference;
        var webRef = (await web.PushAsync(Registry, repo, "web")).TagReference;
        var expectedApp = UmociTreeAsync(app);
        var expectedWeb = UmociTreeAsync(web);
        var mark = Registry.AccessLog.Mark();

        // Nodes 0, 2 and 4 pull app, nodes 1 and 3 web, all at the same moment.
        var references = Enumerable.Range(0, Farm.Size).Select(i => i % 2 == 0 ? appRef : webRef).ToList();
        var pulls = references.Select((r, i) => Pull(i, r)).ToList();
        var results = new List<PullResultDto>();
        for (var i = 0; i < pulls.Count; i++) results.Add(await SucceededAsync(i, pulls[i]));

        await Registry.AccessLog.WaitForQuietAsync();
        Assert.Equal(Each(Blobs(app).Union(Blobs(web)), 1), RegistryGetsPerBlob(mark));
        var distinct = BlobBytes(app) + BlobBytes(web) - base1.Size - base2.Size;
        Assert.Equal(distinct, results.Sum(r => r.BytesFromRegistry));
        for (var i = 0; i < Farm.Size; i++)
        {
            var image = i % 2 == 0 ? app : web;
            Assert.Equal(image.Digest.ToString(), results[i].ManifestDigest);
            Assert.Equal(BlobBytes(image), results[i].BytesFromRegistry + results[i].BytesFromPeers + results[i].BytesFromStore);
            await AssertRootfsAsync(i, references[i], i % 2 == 0 ? await expectedApp : await expectedWeb);
        }
    }
}
