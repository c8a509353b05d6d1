using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace PullCluster.Tests.EndToEnd;

/// <summary>
/// What <c>serialize-messages</c> falls back to in the end-to-end kit, for messages no serializer is bound to.
/// PullCluster's own messages never may: each has a contract (ApiSerializer, NodeMessageSerializer, the journal's) or
/// is marked node-local, so one reaching here is recorded, refused, and fails the test. Akka's and its plugins' own
/// messages (Akka.Persistence.Sql's WriteFinished holds a Task, the journal's Desequenced a callback) were never meant
/// to be serialized and are not ours to mark: they are handed over as they are, the object itself.
/// </summary>
public sealed class ContractedMessagesOnly(ExtendedActorSystem system) : Serializer(system)
{
    public const int Id = 7399;

    public static readonly Config AkkaConfig = ConfigurationFactory.ParseString("""
        akka.actor {
          serializers.contracted-only = "PullCluster.Tests.EndToEnd.ContractedMessagesOnly, PullCluster.Tests"
          serialization-bindings { "System.Object" = contracted-only }
          serialization-identifiers { "PullCluster.Tests.EndToEnd.ContractedMessagesOnly, PullCluster.Tests" = 7399 }
        }
        """);

    private static long _next;
    private static readonly ConcurrentDictionary<long, object> InFlight = new();

    /// <summary>PullCluster types that were sent between actors with neither a contract nor a node-local mark.</summary>
    public static readonly ConcurrentDictionary<Type, byte> Uncontracted = new();

    public override int Identifier => Id;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj)
    {
        var type = obj.GetType();
        if (type.Assembly.GetName().Name?.StartsWith("PullCluster", StringComparison.Ordinal) == true)
        {
            Uncontracted.TryAdd(type, 0);
            throw new SerializationException(
                $"{type} was sent between actors without a wire contract: bind it to a serializer with a manifest, or mark it INoSerializationVerificationNeeded if it is node-local");
        }
        var key = Interlocked.Increment(ref _next);
        InFlight[key] = obj;
        return BitConverter.GetBytes(key);
    }

    public override object FromBinary(byte[] bytes, Type type) =>
        InFlight.TryRemove(BitConverter.ToInt64(bytes), out var obj)
            ? obj
            : throw new SerializationException($"no message in flight under key {BitConverter.ToInt64(bytes)}");
}
