using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Cluster;

/// <summary>
/// A registry and a farm of <see cref="Size"/> nodes, started once for every spec class of a collection: joining a
/// cluster of .NET processes costs tens of seconds of two shared cores, so specs share a farm. Specs push images of
/// their own (unique repositories, random layers), so no spec finds another's blobs in the stores; a spec that kills
/// or stops a node restarts it before it ends.
/// </summary>
public abstract class FarmFixture(int size) : IAsyncLifetime
{
    private readonly TempDir _dir = TempDir.Create($"farm{size}");
    private RegistryProcess? _registry;
    private ClusterFarm? _farm;

    public int Size { get; } = size;

    public RegistryProcess Registry => _registry ?? throw new InvalidOperationException("farm fixture not initialized");

    public ClusterFarm Farm => _farm ?? throw new InvalidOperationException("farm fixture not initialized");

    /// <summary>A fresh directory for one spec's rootfs trees, layouts and secrets.</summary>
    public string Scratch(string label) => _dir.Subdirectory($"{label}-{Guid.NewGuid():N}"[..(label.Length + 9)]);

    public async Task InitializeAsync()
    {
        var registry = RegistryProcess.StartAsync();
        var farm = ClusterFarm.StartAsync(Size, _dir.Subdirectory("farm"), await NodeEnvironmentAsync());
        try
        {
            await Task.WhenAll(registry, farm);
        }
        finally
        {
            // Whichever started is kept, so DisposeAsync ends it when the other failed.
            if (registry.IsCompletedSuccessfully) _registry = registry.Result;
            if (farm.IsCompletedSuccessfully) _farm = farm.Result;
        }
    }

    public virtual async Task DisposeAsync()
    {
        if (_farm is not null) await _farm.DisposeAsync();
        if (_registry is not null) await _registry.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>What every node's environment adds (and its restarts'), e.g. a journal in PostgreSQL.</summary>
    protected virtual Task<IReadOnlyDictionary<string, string>?> NodeEnvironmentAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>?>(null);
}

public sealed class FarmOfThreeFixture() : FarmFixture(3);

public sealed class FarmOfFiveFixture() : FarmFixture(5);

[CollectionDefinition(Name)]
public sealed class FarmOfThree : ICollectionFixture<FarmOfThreeFixture>
{
    // Its spec classes take turns on one farm: each kills, stops or fills nodes the others use.
    public const string Name = "Farm of three";
}

[CollectionDefinition(Name)]
public sealed class FarmOfFive : ICollectionFixture<FarmOfFiveFixture>
{
    public const string Name = "Farm of five";
}
