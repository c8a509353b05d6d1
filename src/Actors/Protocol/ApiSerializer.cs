using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace PullCluster.Actors.Protocol;

/// <summary>
/// The wire contract of the message API: source-generated JSON under short, versioned manifests, so a node and a
/// program built from different versions of PullCluster agree on what a message is without sharing .NET type names.
/// A manifest never changes meaning: a change to a message's fields that old peers cannot read gets a new manifest
/// (".v2") beside the old one.
/// </summary>
/// <remarks>
/// MaterializeRootfs and ExportImage carry a directory on the node's host and are refused from other actor systems;
/// they have manifests all the same, so that a remote program's request is read and answered with that refusal
/// instead of being lost as undeliverable. OpenRootfsTar, OpenExportTar and ImageTarOpened have none: the answer is a
/// stream of the node's store, which exists only in the node's process (they are <see cref="INoSerializationVerificationNeeded"/>).
/// </remarks>
public sealed class ApiSerializer : ManifestJsonSerializer
{
    public const int Id = 7312;

    /// <summary>The manifests of the API's messages. Pinned by WireContractSpecs: renaming one breaks old peers.</summary>
    public static readonly IReadOnlyDictionary<Type, string> Manifests = new Dictionary<Type, string>
    {
        [typeof(PullImage)] = "pull-image.v1",
        [typeof(ListImages)] = "list-images.v1",
        [typeof(RemoveImage)] = "remove-image.v1",
        [typeof(MaterializeRootfs)] = "materialize-rootfs.v1",
        [typeof(ExportImage)] = "export-image.v1",
        [typeof(PullProgress)] = "pull-progress.v1",
        [typeof(PullSucceeded)] = "pull-succeeded.v1",
        [typeof(PullFailed)] = "pull-failed.v1",
        [typeof(ImageList)] = "image-list.v1",
        [typeof(ImageOperationDone)] = "image-operation-done.v1",
        [typeof(ImageOperationFailed)] = "image-operation-failed.v1",
    };

    /// <summary>
    /// Binds the API's messages to this serializer. The node has it through <see cref="PullNode.AkkaConfig"/> and
    /// a program through <see cref="RemoteTls.Bootstrap"/>; a program that builds its actor system otherwise must add
    /// it, or it cannot read the node's replies.
    /// </summary>
    public static readonly Config AkkaConfig = Binding("pullcluster-api", typeof(ApiSerializer), typeof(IApiMessage));

    public ApiSerializer(ExtendedActorSystem system) : base(system, Manifests, ApiJson.Default, "PullCluster API message")
    {
    }

    public override int Identifier => Id;

    protected override string UnknownManifest(string manifest) =>
        $"unknown PullCluster API manifest '{manifest}': the peer runs a version of PullCluster that sends messages this one does not know";
}

/// <summary>A message of the public API, bound to <see cref="ApiSerializer"/>.</summary>
public interface IApiMessage;

/// <summary>
/// An actor reference as Akka writes it for the wire (with the remote address it is reachable at when sent over
/// Akka.Remote), resolved on reading through the receiving system's provider.
/// </summary>
internal sealed class ActorRefJsonConverter(ExtendedActorSystem system) : JsonConverter<IActorRef>
{
    public override bool HandleNull => false;

    public override IActorRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var path = reader.GetString();
        return string.IsNullOrEmpty(path) ? ActorRefs.Nobody : system.Provider.ResolveActorRef(path);
    }

    public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Serialization.SerializedActorPath(value));
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(PullImage))]
[JsonSerializable(typeof(ListImages))]
[JsonSerializable(typeof(RemoveImage))]
[JsonSerializable(typeof(MaterializeRootfs))]
[JsonSerializable(typeof(ExportImage))]
[JsonSerializable(typeof(PullProgress))]
[JsonSerializable(typeof(PullSucceeded))]
[JsonSerializable(typeof(PullFailed))]
[JsonSerializable(typeof(ImageList))]
[JsonSerializable(typeof(ImageOperationDone))]
[JsonSerializable(typeof(ImageOperationFailed))]
internal sealed partial class ApiJson : JsonSerializerContext;
