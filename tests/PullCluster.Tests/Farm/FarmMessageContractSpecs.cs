using Akka.Actor;
using Akka.Configuration;
using PullCluster.Actors.Farm;
using Xunit;

namespace PullCluster.Tests.Farm;

/// <summary>What the farm's nodes tell each other round-trips through <see cref="FarmMessageSerializer"/> under pinned manifests.</summary>
public sealed class FarmMessageContractSpecs : IDisposable
{
    private const string Digest = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private static readonly FarmNode Node = new("akka.ssl.tcp://pullcluster@127.0.0.11:4000", "http://127.0.0.11:5000", 1234567890);

    private readonly ActorSystem _system = ActorSystem.Create("farm-wire", ConfigurationFactory.ParseString("akka.loglevel = WARNING")
        .WithFallback(FarmMessageSerializer.AkkaConfig));

    public void Dispose() => _system.Dispose();

    [Fact]
    public void The_manifests_are_pinned()
    {
        string[] pinned =
        [
            "farm.acquire-blob.v1", "farm.blob-fetch-abandoned.v1", "farm.blob-held.v1", "farm.fetch-from-peer.v1",
            "farm.fetch-from-registry.v1", "farm.holding.v1", "farm.who-holds.v1",
        ];
        Assert.Equal(pinned, FarmMessageSerializer.Manifests.Values.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_farm_message_has_a_manifest()
    {
        var bound = typeof(IFarmMessage).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IFarmMessage).IsAssignableFrom(t));
        Assert.Equal(bound.OrderBy(t => t.FullName), FarmMessageSerializer.Manifests.Keys.OrderBy(t => t.FullName));
    }

    public static TheoryData<string> AllManifests() => new(FarmMessageSerializer.Manifests.Values);

    [Theory]
    [MemberData(nameof(AllManifests))]
    public void A_farm_message_round_trips_under_its_manifest(string manifest)
    {
        object message = manifest switch
        {
            "farm.acquire-blob.v1" => new AcquireBlob(Digest, 42, Node, ["akka.ssl.tcp://pullcluster@127.0.0.12:4000"]),
            "farm.fetch-from-registry.v1" => new FetchFromRegistry(Digest),
            "farm.fetch-from-peer.v1" => new FetchFromPeer(Digest, Node),
            "farm.blob-held.v1" => new BlobHeld(Digest, Node),
            "farm.blob-fetch-abandoned.v1" => new BlobFetchAbandoned(Digest, Node),
            "farm.who-holds.v1" => new WhoHolds(Digest),
            "farm.holding.v1" => new Holding(Digest, Node, HoldingState.Receiving),
            _ => throw new ArgumentException(manifest),
        };
        var serializer = Assert.IsType<FarmMessageSerializer>(_system.Serialization.FindSerializerFor(message));
        Assert.Equal(manifest, serializer.Manifest(message));

        var copy = _system.Serialization.Deserialize(serializer.ToBinary(message), FarmMessageSerializer.Id, manifest);

        Assert.Equivalent(message, copy, strict: true);
    }
}
