using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.Cluster;

/// <summary>Two farm nodes whose journals live in one PostgreSQL database, as docker-compose's postgres profile sets them up.</summary>
public sealed class FarmOnOnePostgresFixture() : FarmFixture(2)
{
    private PostgresDatabase? _database;

    protected override async Task<IReadOnlyDictionary<string, string>?> NodeEnvironmentAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        return new Dictionary<string, string> { ["PULLCLUSTER_POSTGRES"] = _database.ConnectionString };
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class FarmOnOnePostgres : ICollectionFixture<FarmOnOnePostgresFixture>
{
    public const string Name = "Farm on one PostgreSQL database";
}

[Collection(FarmOnOnePostgres.Name)]
public sealed class FarmSharedJournalSpecs(FarmOnOnePostgresFixture fixture, ITestOutputHelper output) : FarmKit(fixture, output)
{
    [Fact]
    public async Task Nodes_sharing_one_database_keep_journals_of_their_own_and_a_killed_node_recovers_only_its_own()
    {
        var image = ThreeLayers();
        var reference = (await image.PushAsync(Registry, RepoName.Unique("farm-pg"), "1")).TagReference;
        var expected = UmociTreeAsync(image);

        var first = await Task.WhenAll(Enumerable.Range(0, Farm.Size).Select(i => SucceededAsync(i, Pull(i, reference))));
        Farm.Kill9(1);
        var restarted = await Farm.RestartAsync(1);
        var again = await SucceededAsync(1, Pull(1, reference));

        Assert.Equal(BlobBytes(image), first.Sum(r => r.BytesFromRegistry));
        Assert.Equal(0, again.BytesFetched);
        // Its journal (its own persistence id in the shared tables) already held its layers: none had to be adopted from
        // the disk after the kill, and none belonged to the other node.
        var ready = await restarted.WaitForLogAsync("store journal ready:", TimeSpan.FromSeconds(60));
        Assert.Contains($"blobs, {image.Layers.Count} layers,", ready);
        Assert.Contains("0 layers forgotten, 0 adopted", ready);
        await AssertRootfsAsync(1, reference, await expected);
    }
}
