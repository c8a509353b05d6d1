using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Configuration;
using PullCluster.Actors.Blobs;
using PullCluster.Actors.Durability;
using PullCluster.Actors.Entities;
using PullCluster.Actors.Images;
using PullCluster.Actors.Journal;
using PullCluster.Actors.Layers;
using PullCluster.Actors.Protocol;
using PullCluster.Actors.Pulls;
using PullCluster.Actors.Scheduling;
using PullCluster.Core.Formats;

namespace PullCluster.Actors;

/// <summary>
/// The contract of the messages between a node's own actors that carry plain data (digests, references, counts,
/// reasons): today they never leave the process, but a cluster will route the entity messages (FetchBlob, CommitLayer)
/// and their replies between nodes, and serialize-messages checks them in the tests. Manifests are versioned as the
/// API's are, under "node.", and not promised to programs. Messages that carry what only exists in the node's process
/// (paths on its disk, exceptions, streams, an actor's own background results) are not here: they are marked
/// <see cref="INoSerializationVerificationNeeded"/> where they are defined.
/// </summary>
public sealed class NodeMessageSerializer : ManifestJsonSerializer
{
    public const int Id = 7313;

    /// <summary>Pinned by WireContractSpecs.</summary>
    public static readonly IReadOnlyDictionary<Type, string> Manifests = new Dictionary<Type, string>
    {
        [typeof(FetchBlob)] = "node.fetch-blob.v1",
        [typeof(BlobFetchProgress)] = "node.blob-fetch-progress.v1",
        [typeof(BlobFetchFailed)] = "node.blob-fetch-failed.v1",
        [typeof(CommitLayer)] = "node.commit-layer.v1",
        [typeof(AwaitLayer)] = "node.await-layer.v1",
        [typeof(LayerStatus)] = "node.layer-status.v1",
        [typeof(LayerFailed)] = "node.layer-failed.v1",
        [typeof(Passivate)] = "node.passivate.v1",
        [typeof(AcquireSlot)] = "node.acquire-slot.v1",
        [typeof(SlotGranted)] = "node.slot-granted.v1",
        [typeof(ReleaseSlot)] = "node.release-slot.v1",
        [typeof(AwaitSync)] = "node.await-sync.v1",
        [typeof(Synced)] = "node.synced.v1",
        [typeof(SyncFailed)] = "node.sync-failed.v1",
        [typeof(AttachToPull)] = "node.attach-to-pull.v1",
        [typeof(PullOutcome)] = "node.pull-outcome.v1",
        [typeof(ImagesActor.Remove)] = "node.remove-image.v1",
        [typeof(RecordBlob)] = "node.record-blob.v1",
        [typeof(BlobJournaled)] = "node.blob-journaled.v1",
        [typeof(RecordLayer)] = "node.record-layer.v1",
        [typeof(LayerJournaled)] = "node.layer-journaled.v1",
        [typeof(AcceptPull)] = "node.accept-pull.v1",
        [typeof(PullJournaled)] = "node.pull-journaled.v1",
        [typeof(EndPull)] = "node.end-pull.v1",
        [typeof(AwaitJournalReady)] = "node.await-journal-ready.v1",
        [typeof(JournalReady)] = "node.journal-ready.v1",
    };

    /// <summary>Part of <see cref="PullNode.AkkaConfig"/>.</summary>
    public static readonly Config AkkaConfig = Binding("pullcluster-node", typeof(NodeMessageSerializer), typeof(INodeMessage));

    public NodeMessageSerializer(ExtendedActorSystem system) : base(system, Manifests, NodeJson.Default, "PullCluster node message")
    {
    }

    public override int Identifier => Id;
}

/// <summary>A message between a node's actors bound to <see cref="NodeMessageSerializer"/>.</summary>
public interface INodeMessage;

/// <summary>A digest as its text (<c>sha256:…</c>), parsed back with validation so a bad one never reaches a path.</summary>
internal sealed class DigestJsonConverter : JsonConverter<Digest>
{
    public override Digest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Digest.Parse(reader.GetString() ?? throw new JsonException("a digest is null"));

    public override void Write(Utf8JsonWriter writer, Digest value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    Converters = [typeof(DigestJsonConverter)])]
[JsonSerializable(typeof(FetchBlob))]
[JsonSerializable(typeof(BlobFetchProgress))]
[JsonSerializable(typeof(BlobFetchFailed))]
[JsonSerializable(typeof(CommitLayer))]
[JsonSerializable(typeof(AwaitLayer))]
[JsonSerializable(typeof(LayerStatus))]
[JsonSerializable(typeof(LayerFailed))]
[JsonSerializable(typeof(Passivate))]
[JsonSerializable(typeof(AcquireSlot))]
[JsonSerializable(typeof(SlotGranted))]
[JsonSerializable(typeof(ReleaseSlot))]
[JsonSerializable(typeof(AwaitSync))]
[JsonSerializable(typeof(Synced))]
[JsonSerializable(typeof(SyncFailed))]
[JsonSerializable(typeof(AttachToPull))]
[JsonSerializable(typeof(PullOutcome))]
[JsonSerializable(typeof(ImagesActor.Remove))]
[JsonSerializable(typeof(RecordBlob))]
[JsonSerializable(typeof(BlobJournaled))]
[JsonSerializable(typeof(RecordLayer))]
[JsonSerializable(typeof(LayerJournaled))]
[JsonSerializable(typeof(AcceptPull))]
[JsonSerializable(typeof(PullJournaled))]
[JsonSerializable(typeof(EndPull))]
[JsonSerializable(typeof(AwaitJournalReady))]
[JsonSerializable(typeof(JournalReady))]
internal sealed partial class NodeJson : JsonSerializerContext;
