using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace PullCluster.Actors.Protocol;

/// <summary>
/// A wire contract as a table of stable, versioned manifests and System.Text.Json source-generated shapes (no
/// reflection, no CLR type names on the wire): the API's messages and the node's own differ only in their tables
/// and in what they call themselves in errors. Actor references travel as Akka's serialized paths.
/// </summary>
public abstract class ManifestJsonSerializer : SerializerWithStringManifest
{
    private readonly IReadOnlyDictionary<Type, string> _manifests;
    private readonly Dictionary<string, Type> _types;
    private readonly JsonSerializerOptions _json;
    private readonly string _what;

    /// <param name="what">What one of its messages is called in errors, e.g. "PullCluster API message".</param>
    protected ManifestJsonSerializer(ExtendedActorSystem system, IReadOnlyDictionary<Type, string> manifests, JsonSerializerContext shapes, string what)
        : base(system)
    {
        _manifests = manifests;
        _types = manifests.ToDictionary(kv => kv.Value, kv => kv.Key);
        _json = new JsonSerializerOptions(shapes.Options) { TypeInfoResolver = shapes };
        _json.Converters.Add(new ActorRefJsonConverter(system));
        _what = what;
    }

    public override string Manifest(object o) =>
        _manifests.TryGetValue(o.GetType(), out var m) ? m : throw new ArgumentException($"{o.GetType()} is not a {_what} with a manifest");

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, _json.GetTypeInfo(obj.GetType()));

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!_types.TryGetValue(manifest, out var type)) throw new SerializationException(UnknownManifest(manifest));
        try
        {
            return JsonSerializer.Deserialize(bytes, _json.GetTypeInfo(type))
                ?? throw new SerializationException($"the {_what} '{manifest}' is empty");
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new SerializationException($"cannot read the {_what} '{manifest}': {e.Message}", e);
        }
    }

    protected virtual string UnknownManifest(string manifest) => $"unknown {_what} manifest '{manifest}'";

    /// <summary>
    /// The configuration that binds every message implementing <paramref name="messages"/> to <paramref name="serializer"/>,
    /// registered under <paramref name="name"/>: written from the types, so a renamed type cannot leave a stale binding.
    /// </summary>
    protected static Config Binding(string name, Type serializer, Type messages) => ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers.{{name}} = "{{AkkaTypeName(serializer)}}"
          serialization-bindings {
            "{{AkkaTypeName(messages)}}" = {{name}}
          }
        }
        """);

    private static string AkkaTypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";
}
