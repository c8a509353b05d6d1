using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace PullCluster.Actors.Journal;

/// <summary>
/// JSON with stable manifests for everything the store journal writes. Reading never throws: a row that
/// does not parse becomes an UnreadableEvent, which recovery reports and skips.
/// </summary>
public sealed class JournalSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly Dictionary<Type, string> Manifests = new()
    {
        [typeof(BlobRecorded)] = "blob-recorded.v1",
        [typeof(LayerRecorded)] = "layer-recorded.v1",
        [typeof(ContentForgotten)] = "content-forgotten.v1",
        [typeof(PullAccepted)] = "pull-accepted.v1",
        [typeof(PullEnded)] = "pull-ended.v1",
        [typeof(JournalSnapshot)] = "store-journal-snapshot.v1",
    };

    private static readonly Dictionary<string, Type> Types = Manifests.ToDictionary(kv => kv.Value, kv => kv.Key);

    public override int Identifier => 7311;

    public override string Manifest(object o) =>
        Manifests.TryGetValue(o.GetType(), out var m) ? m : throw new ArgumentException($"no journal manifest for {o.GetType()}");

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Json);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!Types.TryGetValue(manifest, out var type)) return new UnreadableEvent(manifest, "unknown manifest");
        try
        {
            return JsonSerializer.Deserialize(bytes, type, Json) ?? new UnreadableEvent(manifest, "empty payload");
        }
        catch (JsonException e)
        {
            return new UnreadableEvent(manifest, e.Message);
        }
    }
}

/// <summary>The snapshot form of JournalState.</summary>
public sealed record JournalSnapshot(Dictionary<string, long> Blobs, List<LayerRecorded> Layers, List<PullAccepted> Pulls)
{
    public static JournalSnapshot From(JournalState s) => new(new(s.Blobs), s.Layers.Values.ToList(), s.Pulls.Values.ToList());

    public JournalState ToState() => new()
    {
        Blobs = new Dictionary<string, long>(Blobs ?? new(), StringComparer.Ordinal),
        Layers = (Layers ?? []).ToDictionary(l => l.ChainId, StringComparer.Ordinal),
        Pulls = (Pulls ?? []).ToDictionary(p => p.Id, StringComparer.Ordinal),
    };
}
