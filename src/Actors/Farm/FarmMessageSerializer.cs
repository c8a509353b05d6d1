using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Configuration;
using PullCluster.Actors.Protocol;

namespace PullCluster.Actors.Farm;

/// <summary>
/// The contract of what the farm's nodes tell each other about blobs (who fetches, who holds): plain records,
/// stable versioned manifests under "farm.", so nodes of one farm agree on them across a rolling upgrade that keeps
/// the versions.
/// </summary>
public sealed class FarmMessageSerializer : ManifestJsonSerializer
{
    public const int Id = 7314;

    /// <summary>Pinned by FarmMessageContractSpecs.</summary>
    public static readonly IReadOnlyDictionary<Type, string> Manifests = new Dictionary<Type, string>
    {
        [typeof(AcquireBlob)] = "farm.acquire-blob.v1",
        [typeof(FetchFromRegistry)] = "farm.fetch-from-registry.v1",
        [typeof(FetchFromPeer)] = "farm.fetch-from-peer.v1",
        [typeof(BlobHeld)] = "farm.blob-held.v1",
        [typeof(BlobFetchAbandoned)] = "farm.blob-fetch-abandoned.v1",
        [typeof(WhoHolds)] = "farm.who-holds.v1",
        [typeof(Holding)] = "farm.holding.v1",
    };

    /// <summary>Part of <see cref="PullNode.AkkaConfig"/>.</summary>
    public static readonly Config AkkaConfig = Binding("pullcluster-farm", typeof(FarmMessageSerializer), typeof(IFarmMessage));

    public FarmMessageSerializer(ExtendedActorSystem system) : base(system, Manifests, FarmJson.Default, "PullCluster farm message")
    {
    }

    public override int Identifier => Id;
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(AcquireBlob))]
[JsonSerializable(typeof(FetchFromRegistry))]
[JsonSerializable(typeof(FetchFromPeer))]
[JsonSerializable(typeof(BlobHeld))]
[JsonSerializable(typeof(BlobFetchAbandoned))]
[JsonSerializable(typeof(WhoHolds))]
[JsonSerializable(typeof(Holding))]
internal sealed partial class FarmJson : JsonSerializerContext;
