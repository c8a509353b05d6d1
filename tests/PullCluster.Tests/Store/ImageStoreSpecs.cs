using System.Text;
using System.Text.Json;
using PullCluster.Core.Formats;
using PullCluster.Core.Store;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Store;

/// <summary>The image store's keying by (reference, platform), the choice of a record, and the move of older stores' records.</summary>
public sealed class ImageStoreSpecs : IDisposable
{
    private const string Reference = "registry.example:5000/team/app:1";
    private static readonly Platform Amd64 = Platform.Parse("linux/amd64");
    private static readonly Platform Arm64 = Platform.Parse("linux/arm64");

    private readonly TempDir _dir = TempDir.Create("image-store");
    private readonly StoreLayout _layout;
    private readonly ImageStore _images;

    public ImageStoreSpecs()
    {
        _layout = new StoreLayout(_dir.Combine("store"));
        _layout.EnsureCreated();
        _images = new ImageStore(_layout);
    }

    private static ImageRecord Record(string platform, string reference = Reference, string manifest = "sha256:aa", DateTimeOffset? pulled = null) =>
        new(reference, manifest, MediaTypes.OciManifest, 100, "sha256:cc", MediaTypes.OciConfig, 10, platform,
            [new ImageLayerRecord("sha256:11", MediaTypes.OciLayerGzip, 1000, "sha256:d1", "sha256:d1")],
            pulled ?? DateTimeOffset.UnixEpoch);

    private string[] RecordFiles => Directory.GetFiles(_layout.Images).Select(Path.GetFileName).Order().ToArray()!;

    private static string Hex(string reference) => Digest.Sha256(Encoding.UTF8.GetBytes(reference)).Hex;

    [Fact]
    public void A_record_for_another_platform_is_added_beside_the_first()
    {
        _images.Put(Record("linux/amd64", manifest: "sha256:a1"));
        _images.Put(Record("linux/arm64/v8", manifest: "sha256:a2"));

        Assert.Equal([("linux/amd64", "sha256:a1"), ("linux/arm64/v8", "sha256:a2")], _images.ListFor(Reference).Select(r => (r.Platform, r.ManifestDigest)));
        Assert.Equal([$"{Hex(Reference)}.linux-amd64.json", $"{Hex(Reference)}.linux-arm64-v8.json"], RecordFiles);
        Assert.Equal("sha256:a2", _images.Get(Reference, "linux/arm64/v8")!.ManifestDigest);
    }

    [Fact]
    public void The_same_reference_and_platform_replaces_its_record_whatever_the_platform_alias()
    {
        _images.Put(Record("linux/arm64/v8", manifest: "sha256:old"));
        _images.Put(Record("linux/aarch64", manifest: "sha256:new"));

        var only = Assert.Single(_images.List());
        Assert.Equal("sha256:new", only.ManifestDigest);
        Assert.Equal("sha256:new", _images.Get(Reference, "linux/arm64")?.ManifestDigest);
    }

    [Fact]
    public void List_orders_by_reference_then_platform_and_ListFor_keeps_to_its_reference()
    {
        _images.Put(Record("linux/arm64/v8", reference: "b:1"));
        _images.Put(Record("linux/amd64", reference: "b:1"));
        _images.Put(Record("linux/s390x", reference: "a:1"));

        Assert.Equal([("a:1", "linux/s390x"), ("b:1", "linux/amd64"), ("b:1", "linux/arm64/v8")], _images.List().Select(r => (r.Reference, r.Platform)));
        Assert.Equal(["linux/amd64", "linux/arm64/v8"], _images.ListFor("b:1").Select(r => r.Platform));
        Assert.Empty(_images.ListFor("c:1"));
    }

    [Fact]
    public void Removing_one_platform_keeps_the_other()
    {
        _images.Put(Record("linux/amd64"));
        _images.Put(Record("linux/arm64/v8"));

        Assert.True(_images.Remove(Reference, "linux/arm64"));
        Assert.False(_images.Remove(Reference, "linux/arm64"));

        Assert.Equal(["linux/amd64"], _images.ListFor(Reference).Select(r => r.Platform));
    }

    [Fact]
    public void A_platform_with_unusual_characters_keys_its_record_by_a_hash()
    {
        _images.Put(Record("plan9/Weird Arch"));

        Assert.Matches($"^{Hex(Reference)}\\.p[0-9a-f]{{16}}\\.json$", Assert.Single(RecordFiles));
        Assert.Equal("plan9/Weird Arch", _images.Get(Reference, "plan9/weird arch")!.Platform);
    }

    [Fact]
    public void Select_takes_the_platform_asked_for_else_the_hosts()
    {
        _images.Put(Record("linux/amd64", manifest: "sha256:a1"));
        _images.Put(Record("linux/arm64/v8", manifest: "sha256:a2"));

        Assert.Equal("sha256:a2", _images.Select(Reference, Arm64, host: Amd64).ManifestDigest);
        Assert.Equal("sha256:a1", _images.Select(Reference, Amd64, host: Arm64).ManifestDigest);
        Assert.Equal("sha256:a1", _images.Select(Reference, null, host: Amd64).ManifestDigest);
        Assert.Equal("sha256:a2", _images.Select(Reference, null, host: Arm64).ManifestDigest);
    }

    [Fact]
    public void Select_takes_a_compatible_variant_when_it_is_the_only_one()
    {
        _images.Put(Record("linux/amd64/v3"));

        Assert.Equal("linux/amd64/v3", _images.Select(Reference, Amd64, host: Amd64).Platform);
    }

    [Fact]
    public void Without_a_platform_the_only_record_is_taken_even_for_another_machine()
    {
        _images.Put(Record("linux/arm64/v8"));

        Assert.Equal("linux/arm64/v8", _images.Select(Reference, null, host: Amd64).Platform);
    }

    [Fact]
    public void An_unknown_platform_is_an_error_naming_the_reference_the_platform_and_those_it_has()
    {
        _images.Put(Record("linux/arm64/v8"));

        var e = Assert.Throws<ImageNotFoundException>(() => _images.Select(Reference, Platform.Parse("linux/s390x"), host: Amd64));

        Assert.Equal($"image {Reference} has no record for linux/s390x; it was pulled for linux/arm64/v8 (name one with --platform)", e.Message);
        Assert.Equal(["linux/arm64/v8"], e.Available);
    }

    [Fact]
    public void Without_a_platform_several_records_and_none_for_the_host_is_an_error_listing_them()
    {
        _images.Put(Record("linux/arm64/v8"));
        _images.Put(Record("linux/s390x"));

        var e = Assert.Throws<ImageNotFoundException>(() => _images.Select(Reference, null, host: Amd64));

        Assert.Equal($"image {Reference} has no record for linux/amd64 (this node's platform); it was pulled for linux/arm64/v8, linux/s390x (name one with --platform)", e.Message);
    }

    [Fact]
    public void A_reference_never_pulled_is_not_in_the_store()
    {
        var e = Assert.Throws<ImageNotFoundException>(() => _images.Select(Reference, Amd64, host: Amd64));

        Assert.Equal($"image {Reference} is not in the store (see 'pullcluster image ls')", e.Message);
    }

    [Fact]
    public void Records_of_an_older_store_are_keyed_by_their_platform_on_migration()
    {
        // Before platforms were keyed, images/<sha256 of the reference>.json held the one record, with the
        // platform spelled as the config spelled it.
        WriteUnkeyed(Record("linux/arm64"));
        WriteUnkeyed(Record("linux/amd64", reference: "other:1"));

        var (migrated, unreadable) = _images.MigrateUnkeyedRecords();

        Assert.Equal(2, migrated);
        Assert.Empty(unreadable);
        Assert.Equal(new[] { $"{Hex("other:1")}.linux-amd64.json", $"{Hex(Reference)}.linux-arm64-v8.json" }.Order(), RecordFiles);
        Assert.Equal("linux/arm64/v8", _images.Get(Reference, "linux/arm64")!.Platform);
        Assert.Equal(0, _images.MigrateUnkeyedRecords().Migrated);
    }

    [Fact]
    public void An_older_stores_record_is_listed_even_before_migration()
    {
        WriteUnkeyed(Record("linux/amd64"));

        Assert.Equal([Reference], _images.List().Select(r => r.Reference));
    }

    [Fact]
    public void A_move_interrupted_after_writing_the_new_name_keeps_the_newer_record()
    {
        var later = DateTimeOffset.UnixEpoch.AddDays(1);
        _images.Put(Record("linux/amd64", manifest: "sha256:pulled-since", pulled: later));
        WriteUnkeyed(Record("linux/amd64", manifest: "sha256:old"));

        Assert.Equal(1, _images.MigrateUnkeyedRecords().Migrated);

        Assert.Equal("sha256:pulled-since", Assert.Single(_images.List()).ManifestDigest);
        Assert.Single(RecordFiles);
    }

    [Fact]
    public void An_unreadable_old_record_is_left_in_place_and_reported()
    {
        var path = Path.Combine(_layout.Images, Hex(Reference) + ".json");
        File.WriteAllText(path, "{ not json");

        var (migrated, unreadable) = _images.MigrateUnkeyedRecords();

        Assert.Equal(0, migrated);
        Assert.Equal([path], unreadable);
        Assert.True(File.Exists(path));
    }

    private void WriteUnkeyed(ImageRecord record) =>
        File.WriteAllBytes(Path.Combine(_layout.Images, Hex(record.Reference) + ".json"),
            JsonSerializer.SerializeToUtf8Bytes(record, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));

    public void Dispose() => _dir.Dispose();
}
