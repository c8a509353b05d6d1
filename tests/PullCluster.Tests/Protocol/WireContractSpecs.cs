using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using PullCluster.Actors.Protocol;
using Xunit;

namespace PullCluster.Tests.Protocol;

/// <summary>
/// The message API's wire contract: every message a remote program may send or receive round-trips through
/// <see cref="ApiSerializer"/> under its pinned manifest, with its reply-to reference resolved back to the same actor.
/// </summary>
public sealed class WireContractSpecs : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("wire", ConfigurationFactory.ParseString("akka.loglevel = WARNING")
        .WithFallback(ApiSerializer.AkkaConfig));

    private readonly IActorRef _replyTo;

    public WireContractSpecs() => _replyTo = _system.ActorOf(Props.Empty, "caller");

    public void Dispose() => _system.Dispose();

    /// <summary>
    /// Peers of other versions depend on these names: changing one is a wire break, and needs a new manifest beside
    /// the old one rather than a rename.
    /// </summary>
    [Fact]
    public void The_manifests_are_pinned()
    {
        var pinned = new Dictionary<Type, string>
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
        Assert.Equal(pinned.OrderBy(kv => kv.Value), ApiSerializer.Manifests.OrderBy(kv => kv.Value));
    }

    /// <summary>The JSON names are part of the contract too: renaming a record's property must not rename a field.</summary>
    [Theory]
    [InlineData("pull-image.v1", "image,platform,replyTo")]
    [InlineData("pull-progress.v1", "image,layers")]
    [InlineData("pull-succeeded.v1", "image,manifestDigest,configDigest,platform,chainIds,bytesFetched,bytesShared,bytesReused,elapsed,bytesFromRegistry,bytesFromPeers,bytesFromStore")]
    [InlineData("image-list.v1", "images")]
    [InlineData("remove-image.v1", "image,replyTo,platform")]
    public void The_fields_are_pinned(string manifest, string fields)
    {
        var message = Sample(manifest);
        var serializer = (ApiSerializer)_system.Serialization.FindSerializerFor(message);
        using var json = System.Text.Json.JsonDocument.Parse(serializer.ToBinary(message));
        Assert.Equal(fields, string.Join(",", json.RootElement.EnumerateObject().Select(p => p.Name)));
        Assert.All(json.RootElement.EnumerateObject().Where(p => p.Name == "replyTo"),
            p => Assert.Equal(Serialization.SerializedActorPath(_replyTo), p.Value.GetString()));
    }

    public static TheoryData<string> AllManifests() => new(ApiSerializer.Manifests.Values);

    [Theory]
    [MemberData(nameof(AllManifests))]
    public void A_message_round_trips_under_its_manifest(string manifest)
    {
        var message = Sample(manifest);
        var serializer = Assert.IsType<ApiSerializer>(_system.Serialization.FindSerializerFor(message));
        Assert.Equal(manifest, serializer.Manifest(message));

        var bytes = serializer.ToBinary(message);
        var copy = _system.Serialization.Deserialize(bytes, ApiSerializer.Id, manifest);

        Assert.IsType(message.GetType(), copy);
        // Records holding lists compare them by reference, so those are compared member by member.
        if (message is PullProgress or PullSucceeded or ImageList) Assert.Equivalent(message, copy, strict: true);
        else Assert.Equal(message, copy);
        Assert.Equal(bytes, serializer.ToBinary(copy));
    }

    [Fact]
    public void Every_message_of_the_api_that_crosses_processes_has_a_manifest()
    {
        var api = typeof(IApiMessage).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IApiMessage).IsAssignableFrom(t));
        Assert.Equal(api.OrderBy(t => t.Name), ApiSerializer.Manifests.Keys.OrderBy(t => t.Name));
    }

    [Fact]
    public void The_in_process_messages_are_not_on_the_wire()
    {
        foreach (var type in new[] { typeof(OpenRootfsTar), typeof(OpenExportTar), typeof(ImageTarOpened) })
        {
            Assert.False(ApiSerializer.Manifests.ContainsKey(type), $"{type.Name} has a manifest");
            Assert.True(typeof(INoSerializationVerificationNeeded).IsAssignableFrom(type), $"{type.Name} is not marked node-local");
        }
    }

    [Fact]
    public void A_reply_to_left_out_stays_null()
    {
        var serializer = (ApiSerializer)_system.Serialization.FindSerializerForType(typeof(PullImage));
        var copy = serializer.FromBinary(serializer.ToBinary(new PullImage("127.0.0.1:5000/base:1")), "pull-image.v1");
        Assert.Equal(new PullImage("127.0.0.1:5000/base:1"), copy);
    }

    [Fact]
    public void An_unknown_manifest_is_an_error_naming_it()
    {
        var serializer = (ApiSerializer)_system.Serialization.FindSerializerForType(typeof(PullImage));
        var e = Assert.Throws<SerializationException>(() => serializer.FromBinary("{}"u8.ToArray(), "pull-image.v9"));
        Assert.Contains("'pull-image.v9'", e.Message);
    }

    [Fact]
    public void A_payload_that_does_not_parse_is_an_error_naming_its_manifest()
    {
        var serializer = (ApiSerializer)_system.Serialization.FindSerializerForType(typeof(PullImage));
        var e = Assert.Throws<SerializationException>(() => serializer.FromBinary("{\"image\":"u8.ToArray(), "pull-image.v1"));
        Assert.Contains("'pull-image.v1'", e.Message);
    }

    private object Sample(string manifest) => manifest switch
    {
        "pull-image.v1" => new PullImage("127.0.0.1:5000/base:1", "linux/arm64/v8", _replyTo),
        "list-images.v1" => new ListImages(_replyTo, "linux/amd64"),
        "remove-image.v1" => new RemoveImage("127.0.0.1:5000/base:1", _replyTo, "linux/amd64"),
        "materialize-rootfs.v1" => new MaterializeRootfs("127.0.0.1:5000/base:1", "/srv/rootfs", _replyTo, "linux/amd64"),
        "export-image.v1" => new ExportImage("127.0.0.1:5000/base:1", "/srv/layout", _replyTo, "linux/amd64"),
        "pull-progress.v1" => new PullProgress("127.0.0.1:5000/base:1",
        [
            new LayerProgress("sha256:" + new string('a', 64), 1234, 1000, "Downloading"),
            new LayerProgress("sha256:" + new string('b', 64), 99, 99, "Pull complete"),
        ]),
        "pull-succeeded.v1" => new PullSucceeded("127.0.0.1:5000/base:1", "sha256:" + new string('c', 64), "sha256:" + new string('d', 64),
            "linux/amd64", ["sha256:" + new string('e', 64), "sha256:" + new string('f', 64)], 100, 20, 3, TimeSpan.FromMilliseconds(1234.5)),
        "pull-failed.v1" => new PullFailed("127.0.0.1:5000/base:1", "manifest unknown (HTTP 404)"),
        "image-list.v1" => new ImageList(
        [
            new ImageSummary("127.0.0.1:5000/base:1", "sha256:" + new string('c', 64), "linux/amd64", 78_400_000, 3,
                new DateTimeOffset(2026, 11, 30, 1, 2, 3, 456, TimeSpan.FromHours(1))),
        ]),
        "image-operation-done.v1" => new ImageOperationDone("127.0.0.1:5000/base:1", "removed"),
        "image-operation-failed.v1" => new ImageOperationFailed("127.0.0.1:5000/base:1", "no such image"),
        _ => throw new ArgumentException($"no sample for {manifest}: add one when adding a manifest"),
    };
}
