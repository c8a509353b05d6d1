using Akka.Actor;
using Akka.Configuration;
using PullCluster.Actors;
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
using Xunit;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace PullCluster.Tests.Protocol;

/// <summary>
/// The messages between a node's own actors that carry plain data round-trip through <see cref="NodeMessageSerializer"/>
/// under pinned manifests, digests staying digests; the end-to-end kit's serialize-messages relies on it.
/// </summary>
public sealed class NodeMessageContractSpecs : IDisposable
{
    private static readonly Digest A = Digest.Parse("sha256:" + new string('a', 64));
    private static readonly Digest B = Digest.Parse("sha256:" + new string('b', 64));
    private static readonly Digest C = Digest.Parse("sha256:" + new string('c', 64));

    private readonly ActorSystem _system = ActorSystem.Create("node-wire", ConfigurationFactory.ParseString("akka.loglevel = WARNING")
        .WithFallback(NodeMessageSerializer.AkkaConfig).WithFallback(ApiSerializer.AkkaConfig));

    private readonly IActorRef _actor;

    public NodeMessageContractSpecs() => _actor = _system.ActorOf(Props.Empty, "requester");

    public void Dispose() => _system.Dispose();

    [Fact]
    public void The_manifests_are_pinned()
    {
        string[] pinned =
        [
            "node.accept-pull.v1", "node.acquire-slot.v1", "node.attach-to-pull.v1", "node.await-journal-ready.v1",
            "node.await-layer.v1", "node.await-sync.v1", "node.blob-fetch-failed.v1", "node.blob-fetch-progress.v1",
            "node.blob-journaled.v1", "node.commit-layer.v1", "node.end-pull.v1", "node.fetch-blob.v1", "node.journal-ready.v1",
            "node.layer-failed.v1", "node.layer-journaled.v1", "node.layer-status.v1", "node.passivate.v1", "node.pull-journaled.v1",
            "node.pull-outcome.v1", "node.record-blob.v1", "node.record-layer.v1", "node.release-slot.v1", "node.remove-image.v1",
            "node.slot-granted.v1", "node.sync-failed.v1", "node.synced.v1",
        ];
        Assert.Equal(pinned, NodeMessageSerializer.Manifests.Values.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_node_message_has_a_manifest()
    {
        var bound = typeof(INodeMessage).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(INodeMessage).IsAssignableFrom(t));
        Assert.Equal(bound.OrderBy(t => t.FullName), NodeMessageSerializer.Manifests.Keys.OrderBy(t => t.FullName));
    }

    public static TheoryData<string> AllManifests() => new(NodeMessageSerializer.Manifests.Values);

    [Theory]
    [MemberData(nameof(AllManifests))]
    public void A_node_message_round_trips_under_its_manifest(string manifest)
    {
        var message = Sample(manifest);
        var serializer = Assert.IsType<NodeMessageSerializer>(_system.Serialization.FindSerializerFor(message));
        Assert.Equal(manifest, serializer.Manifest(message));

        var bytes = serializer.ToBinary(message);
        var copy = _system.Serialization.Deserialize(bytes, NodeMessageSerializer.Id, manifest);

        Assert.IsType(message.GetType(), copy);
        // Descriptors' annotations and the journal's pull list compare by reference in the records' own Equals.
        if (message is FetchBlob or CommitLayer or JournalReady) Assert.Equivalent(message, copy, strict: true);
        else Assert.Equal(message, copy);
        Assert.Equal(bytes, serializer.ToBinary(copy));
    }

    [Fact]
    public void A_malformed_digest_is_an_error_naming_the_manifest()
    {
        var serializer = (NodeMessageSerializer)_system.Serialization.FindSerializerForType(typeof(AwaitLayer));
        var e = Assert.Throws<SerializationException>(() => serializer.FromBinary("{\"chainId\":\"sha256:../../etc\"}"u8.ToArray(), "node.await-layer.v1"));
        Assert.Contains("'node.await-layer.v1'", e.Message);
    }

    [Fact]
    public void An_unknown_manifest_is_an_error_naming_it()
    {
        var serializer = (NodeMessageSerializer)_system.Serialization.FindSerializerForType(typeof(AwaitLayer));
        var e = Assert.Throws<SerializationException>(() => serializer.FromBinary("{}"u8.ToArray(), "node.await-layer.v0"));
        Assert.Contains("'node.await-layer.v0'", e.Message);
    }

    private object Sample(string manifest)
    {
        var source = ImageReference.Parse("127.0.0.1:5000/team/app:1.4");
        var blob = new Descriptor(MediaTypes.OciLayerGzip, A, 1234, new Platform("linux", "arm64", "v8"),
            new Dictionary<string, string> { ["org.opencontainers.image.title"] = "layer" }, ["https://mirror.example/blob"]);
        return manifest switch
        {
            "node.fetch-blob.v1" => new FetchBlob(source with { Digest = C }, blob),
            "node.blob-fetch-progress.v1" => new BlobFetchProgress(A, 10, 1234, LayerPhase.Downloading),
            "node.blob-fetch-failed.v1" => new BlobFetchFailed(A, "digest mismatch"),
            "node.commit-layer.v1" => new CommitLayer(source, blob, B, C, A),
            "node.await-layer.v1" => new AwaitLayer(C),
            "node.layer-status.v1" => new LayerStatus(C, A, 10, 1234, LayerPhase.Extracting),
            "node.layer-failed.v1" => new LayerFailed(C, "unpack failed"),
            "node.passivate.v1" => new Passivate(),
            "node.acquire-slot.v1" => new AcquireSlot(),
            "node.slot-granted.v1" => new SlotGranted("downloads"),
            "node.release-slot.v1" => new ReleaseSlot(),
            "node.await-sync.v1" => new AwaitSync(7),
            "node.synced.v1" => new Synced(7),
            "node.sync-failed.v1" => new SyncFailed(7, "syncfs: EIO"),
            "node.attach-to-pull.v1" => new AttachToPull(_actor),
            "node.pull-outcome.v1" => new PullOutcome("id-1", false, "registry unreachable"),
            "node.remove-image.v1" => new ImagesActor.Remove(new RemoveImage("127.0.0.1:5000/team/app:1.4", _actor, "linux/amd64"), true, _actor),
            "node.record-blob.v1" => new RecordBlob(A.ToString(), 1234),
            "node.blob-journaled.v1" => new BlobJournaled(A.ToString()),
            "node.record-layer.v1" => new RecordLayer(new LayerRecorded(C.ToString(), null, B.ToString(), A.ToString())),
            "node.layer-journaled.v1" => new LayerJournaled(C.ToString()),
            "node.accept-pull.v1" => new AcceptPull("id-1", "127.0.0.1:5000/team/app:1.4", "linux/amd64"),
            "node.pull-journaled.v1" => new PullJournaled("id-1"),
            "node.end-pull.v1" => new EndPull("id-1", true, null),
            "node.await-journal-ready.v1" => new AwaitJournalReady(),
            "node.journal-ready.v1" => new JournalReady([new PullAccepted("id-1", "127.0.0.1:5000/team/app:1.4", null)],
                new ReconcileReport(3, 2, 1, 0, 0, 1, 0, TimeSpan.FromMilliseconds(12.5), TimeSpan.FromMilliseconds(3))),
            _ => throw new ArgumentException($"no sample for {manifest}: add one when adding a manifest"),
        };
    }
}
