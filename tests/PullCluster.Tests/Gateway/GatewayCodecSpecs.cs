using System.Text;
using System.Text.Json;
using PullCluster.Core.Gateway;
using Xunit;

namespace PullCluster.Tests.Gateway;

public sealed class GatewayCodecSpecs
{
    // What the serializer wrote before the codec existed, so lines from either side read the same.
    private static readonly JsonSerializerOptions Serializer = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly PullResultDto Result = new(
        "127.0.0.1:5000/base:1", "sha256:aa", "sha256:bb", "linux/amd64",
        ["sha256:c1", "sha256:c2"], 78_400_000, 1_024, 3, 1.3912345678901234);

    private static readonly PullProgressDto Progress = new(
        "127.0.0.1:5000/base:1",
        [new LayerProgressDto("sha256:l1", 100, 50, LayerStates.Downloading), new LayerProgressDto("sha256:l2", 7, 7, LayerStates.Complete)]);

    private static readonly ImageSummaryDto Image = new(
        "127.0.0.1:5000/base:1", "sha256:aa", "linux/arm64/v8", 219_700_000, 3,
        new DateTimeOffset(2026, 11, 23, 16, 49, 30, 681, TimeSpan.FromHours(2)).AddTicks(2345));

    private static readonly ClusterViewDto Cluster = new(
        "akka.ssl.tcp://pullcluster@127.0.0.11:4711", "akka.ssl.tcp://pullcluster@127.0.0.11:4711",
        [
            new ClusterMemberDto("akka.ssl.tcp://pullcluster@127.0.0.11:4711", "Up", [], true, true, "http://127.0.0.11:4811"),
            new ClusterMemberDto("akka.ssl.tcp://pullcluster@127.0.0.12:4711", "Leaving", ["gpu"], false, false, null),
        ]);

    private static readonly BlobWhereaboutsDto Blob = new(
        "sha256:ab",
        [new BlobHolderDto("akka.ssl.tcp://pullcluster@127.0.0.11:4711", "http://127.0.0.11:4811", "complete")],
        ["akka.ssl.tcp://pullcluster@127.0.0.13:4711"]);

    private static string Text(byte[] line) => Encoding.UTF8.GetString(line);

    [Fact]
    public void A_request_is_one_compact_line_without_its_null_members()
    {
        var line = GatewayCodec.EncodeRequestLine(new GatewayRequest(GatewayOps.Pull, "alpine"));

        Assert.Equal("{\"op\":\"pull\",\"image\":\"alpine\"}\n", Text(line));
    }

    [Fact]
    public void A_request_reads_back_with_every_member()
    {
        var request = new GatewayRequest(GatewayOps.Rootfs, "base:1", "linux/arm64");

        Assert.Equal(request, GatewayCodec.DecodeRequest(GatewayCodec.EncodeRequestLine(request)));
    }

    [Theory]
    [InlineData(GatewayOps.ListImages, null)]
    [InlineData(GatewayOps.RemoveImage, "base:1")]
    [InlineData(GatewayOps.Export, "base:1")]
    public void Image_requests_carry_their_platform(string op, string? image)
    {
        var request = new GatewayRequest(op, image, "linux/arm64/v8", op == GatewayOps.Export ? "/tmp/oci" : null);

        var line = GatewayCodec.EncodeRequestLine(request);

        Assert.Contains("\"platform\":\"linux/arm64/v8\"", Text(line));
        Assert.Equal(request, GatewayCodec.DecodeRequest(line));
        Assert.Null(GatewayCodec.DecodeRequest(GatewayCodec.EncodeRequestLine(request with { Platform = null })).Platform);
    }

    [Fact]
    public void An_image_list_keeps_one_entry_per_platform_of_a_reference()
    {
        var amd = Image with { Platform = "linux/amd64", ManifestDigest = "sha256:a1" };

        var reply = GatewayCodec.DecodeReply(GatewayCodec.EncodeReplyLine(new GatewayReply(GatewayKinds.Images, Images: [amd, Image])));

        Assert.Equal([("linux/amd64", "sha256:a1"), ("linux/arm64/v8", "sha256:aa")], reply.Images!.Select(i => (i.Platform, i.ManifestDigest)));
    }

    [Fact]
    public void A_request_carries_its_admin_token_as_the_last_member()
    {
        var request = new GatewayRequest(GatewayOps.RemoveImage, "base:1", Token: "s3cret\"token");

        var line = GatewayCodec.EncodeRequestLine(request);

        Assert.Equal("{\"op\":\"rm\",\"image\":\"base:1\",\"token\":\"s3cret\\\"token\"}\n", Text(line));
        Assert.Equal(request, GatewayCodec.DecodeRequest(line));
    }

    [Fact]
    public void A_request_without_a_token_reads_back_without_one()
    {
        Assert.Null(GatewayCodec.DecodeRequest("{\"op\":\"images\"}"u8).Token);
    }

    [Fact]
    public void A_token_that_is_not_a_string_is_refused()
    {
        var e = Assert.Throws<JsonException>(() => GatewayCodec.DecodeRequest("{\"op\":\"rm\",\"token\":42}"u8));

        Assert.Equal("'token' must be a string, found a number", e.Message);
    }

    [Fact]
    public void A_request_never_prints_its_token()
    {
        var text = new GatewayRequest(GatewayOps.RemoveImage, "base:1", Token: "s3cret").ToString();

        Assert.DoesNotContain("s3cret", text);
        Assert.Contains("Token = (redacted)", text);
    }

    [Fact]
    public void A_request_naming_a_directory_for_the_node_loses_it_the_node_never_writes_there()
    {
        var request = GatewayCodec.DecodeRequest("""{"op":"rootfs","image":"base:1","dir":"/etc"}"""u8);

        Assert.Equal(new GatewayRequest(GatewayOps.Rootfs, "base:1"), request);
    }

    [Fact]
    public void A_data_reply_is_one_line_with_its_length_and_reads_back()
    {
        var line = GatewayCodec.EncodeReplyLine(new GatewayReply(GatewayKinds.Data, Length: 1_048_576));

        Assert.Equal("{\"kind\":\"data\",\"length\":1048576}\n", Text(line));
        Assert.Equal(new GatewayReply(GatewayKinds.Data, Length: 1_048_576), GatewayCodec.DecodeReply(line));
        Assert.False(GatewayKinds.IsFinal(GatewayKinds.Data));
    }

    [Theory]
    [InlineData("{\"kind\":\"data\"}", "has no 'length'")]
    [InlineData("{\"kind\":\"data\",\"length\":-1}", "out of range")]
    [InlineData("{\"kind\":\"data\",\"length\":1000000000000}", "out of range")]
    [InlineData("{\"kind\":\"data\",\"length\":\"10\"}", "'length' must be a whole number")]
    public void A_data_reply_without_a_sane_length_is_refused(string json, string expected)
    {
        var e = Assert.ThrowsAny<JsonException>(() => GatewayCodec.DecodeReply(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Data_frames_carry_exactly_what_was_written_in_frames_no_larger_than_the_frame_size()
    {
        var content = new byte[DataFrameWriter.FrameSize * 2 + 123];
        new Random(7).NextBytes(content);
        using var wire = new MemoryStream();
        using (var frames = new DataFrameWriter(wire))
        {
            frames.Write(content.AsSpan(0, 100));
            frames.Write(content.AsSpan(100));
            frames.Flush();
        }

        var bytes = wire.ToArray();
        var received = new MemoryStream();
        var lengths = new List<long>();
        for (var at = 0; at < bytes.Length;)
        {
            var newline = Array.IndexOf(bytes, (byte)'\n', at);
            var reply = GatewayCodec.DecodeReply(bytes.AsSpan(at, newline - at));
            var length = (int)reply.Length!.Value;
            lengths.Add(length);
            received.Write(bytes, newline + 1, length);
            at = newline + 1 + length;
        }
        Assert.Equal(content, received.ToArray());
        Assert.Equal([DataFrameWriter.FrameSize, DataFrameWriter.FrameSize, 123L], lengths);
    }

    [Fact]
    public void A_progress_reply_reads_back_layer_by_layer()
    {
        var reply = GatewayCodec.DecodeReply(GatewayCodec.EncodeReplyLine(new GatewayReply(GatewayKinds.Progress, Progress: Progress)));

        Assert.Equal(GatewayKinds.Progress, reply.Kind);
        Assert.Equal(Progress.Image, reply.Progress!.Image);
        Assert.Equal(Progress.Layers, reply.Progress.Layers);
        Assert.Null(reply.Result);
        Assert.Null(reply.Images);
        Assert.Null(reply.Message);
    }

    [Fact]
    public void A_result_reply_reads_back_exactly_including_the_seconds()
    {
        var reply = GatewayCodec.DecodeReply(GatewayCodec.EncodeReplyLine(new GatewayReply(GatewayKinds.Result, Result: Result)));

        var result = reply.Result!;
        Assert.Equal(Result.ChainIds, result.ChainIds);
        Assert.Equal(Result with { ChainIds = result.ChainIds }, result);
    }

    [Fact]
    public void An_image_list_reads_back_with_the_pull_time_and_its_offset()
    {
        var reply = GatewayCodec.DecodeReply(GatewayCodec.EncodeReplyLine(new GatewayReply(GatewayKinds.Images, Images: [Image, Image with { Image = "other:2" }])));

        Assert.Equal([Image, Image with { Image = "other:2" }], reply.Images!);
        Assert.Equal(Image.Pulled.Offset, reply.Images![0].Pulled.Offset);
    }

    [Fact]
    public void An_empty_image_list_stays_a_list()
    {
        var line = GatewayCodec.EncodeReplyLine(new GatewayReply(GatewayKinds.Images, Images: []));

        Assert.Equal("{\"kind\":\"images\",\"images\":[]}\n", Text(line));
        Assert.Empty(GatewayCodec.DecodeReply(line).Images!);
    }

    [Theory]
    [InlineData("quote \" and backslash \\")]
    [InlineData("line\nbreak, tab\t, return\r, bell\u0007, nul\0")]
    [InlineData("non-ASCII: Grüße, 日本, 🐳")]
    [InlineData("</script> & 'single' + <angle>")]
    public void Any_message_survives_the_line_and_the_line_stays_one_line(string message)
    {
        var line = GatewayCodec.EncodeReplyLine(new GatewayReply(GatewayKinds.Error, Message: message));

        Assert.Equal(1, line.Count(b => b == (byte)'\n'));
        Assert.Equal((byte)'\n', line[^1]);
        Assert.Equal(message, GatewayCodec.DecodeReply(line).Message);
        Assert.Equal(message, JsonDocument.Parse(line).RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public void The_serializer_reads_the_codecs_lines_as_the_same_records()
    {
        var line = GatewayCodec.EncodeReplyLine(new GatewayReply(GatewayKinds.Result, Progress, Result, [Image], "done"));

        var reply = JsonSerializer.Deserialize<GatewayReply>(line, Serializer)!;

        Assert.Equal(Result with { ChainIds = reply.Result!.ChainIds }, reply.Result);
        Assert.Equal(Result.ChainIds, reply.Result.ChainIds);
        Assert.Equal(Progress.Layers, reply.Progress!.Layers);
        Assert.Equal([Image], reply.Images!);
        Assert.Equal("done", reply.Message);
    }

    [Fact]
    public void The_codec_reads_what_the_serializer_writes()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new GatewayReply(GatewayKinds.Result, Progress, Result, [Image], "done"), Serializer);

        var reply = GatewayCodec.DecodeReply(json);

        Assert.Equal(Result with { ChainIds = reply.Result!.ChainIds }, reply.Result);
        Assert.Equal(Progress.Layers, reply.Progress!.Layers);
        Assert.Equal([Image], reply.Images!);
        Assert.Equal("done", reply.Message);
    }

    [Theory]
    [InlineData(GatewayOps.ClusterLeave, "127.0.0.12:4711", null, "{\"op\":\"cluster-leave\",\"address\":\"127.0.0.12:4711\"}\n")]
    [InlineData(GatewayOps.BlobWhere, null, "sha256:ab", "{\"op\":\"blob-where\",\"digest\":\"sha256:ab\"}\n")]
    public void Cluster_requests_carry_the_member_or_the_digest_and_read_back(string op, string? address, string? digest, string expected)
    {
        var request = new GatewayRequest(op, Address: address, Digest: digest);

        var line = GatewayCodec.EncodeRequestLine(request);

        Assert.Equal(expected, Text(line));
        Assert.Equal(request, GatewayCodec.DecodeRequest(line));
    }

    [Fact]
    public void A_cluster_reply_reads_back_member_by_member()
    {
        var reply = GatewayCodec.DecodeReply(GatewayCodec.EncodeReplyLine(new GatewayReply(GatewayKinds.Cluster, Cluster: Cluster)));

        Assert.Equal((Cluster.Self, Cluster.Leader), (reply.Cluster!.Self, reply.Cluster.Leader));
        Assert.Equal(Cluster.Members.Count, reply.Cluster.Members.Count);
        for (var i = 0; i < Cluster.Members.Count; i++)
        {
            Assert.Equal(Cluster.Members[i] with { Roles = [] }, reply.Cluster.Members[i] with { Roles = [] });
            Assert.Equal(Cluster.Members[i].Roles, reply.Cluster.Members[i].Roles);
        }
    }

    [Fact]
    public void A_blob_reply_reads_back_with_its_holders_and_the_silent_members()
    {
        var reply = GatewayCodec.DecodeReply(GatewayCodec.EncodeReplyLine(new GatewayReply(GatewayKinds.Blob, Blob: Blob)));

        Assert.Equal(Blob.Digest, reply.Blob!.Digest);
        Assert.Equal(Blob.Holders, reply.Blob.Holders);
        Assert.Equal(Blob.Unanswered, reply.Blob.Unanswered);
    }

    [Fact]
    public void The_serializer_reads_cluster_and_blob_replies_as_the_same_records()
    {
        var cluster = JsonSerializer.Deserialize<GatewayReply>(GatewayCodec.EncodeReplyLine(new GatewayReply(GatewayKinds.Cluster, Cluster: Cluster)), Serializer)!;
        var blob = JsonSerializer.Deserialize<GatewayReply>(GatewayCodec.EncodeReplyLine(new GatewayReply(GatewayKinds.Blob, Blob: Blob)), Serializer)!;

        Assert.Equal(Cluster.Members.Select(m => (m.Address, m.Status, m.Reachable, m.Leader, m.PeerUrl)),
            cluster.Cluster!.Members.Select(m => (m.Address, m.Status, m.Reachable, m.Leader, m.PeerUrl)));
        Assert.Equal(Blob.Holders, blob.Blob!.Holders);
    }

    [Fact]
    public void Json_output_of_cluster_show_and_blob_where_is_one_document_each()
    {
        using var cluster = JsonDocument.Parse(GatewayCodec.EncodeCluster(Cluster));
        using var blob = JsonDocument.Parse(GatewayCodec.EncodeBlob(Blob));

        var members = cluster.RootElement.GetProperty("members");
        Assert.Equal(2, members.GetArrayLength());
        Assert.True(members[0].GetProperty("leader").GetBoolean());
        Assert.False(members[1].GetProperty("reachable").GetBoolean());
        Assert.False(members[1].TryGetProperty("peerUrl", out _));
        Assert.Equal("gpu", members[1].GetProperty("roles")[0].GetString());
        Assert.Equal("complete", blob.RootElement.GetProperty("holders")[0].GetProperty("state").GetString());
        Assert.Equal(1, blob.RootElement.GetProperty("unanswered").GetArrayLength());
    }

    [Fact]
    public void Members_it_does_not_know_are_skipped_so_a_newer_node_can_add_some()
    {
        var json = """
            {"future":{"nested":[1,{"a":null}]},"kind":"ok","extra":[true,false],"message":null,
             "progress":null,"more":"x"}
            """u8;

        var reply = GatewayCodec.DecodeReply(json);

        Assert.Equal(new GatewayReply(GatewayKinds.Ok), reply);
    }

    [Theory]
    [InlineData("{\"message\":\"no kind\"}", "'kind'")]
    [InlineData("{\"kind\":1}", "'kind' must be a string")]
    [InlineData("{\"kind\":\"result\",\"result\":{\"image\":\"a\"}}", "'manifestDigest'")]
    [InlineData("{\"kind\":\"progress\",\"progress\":{\"image\":\"a\",\"layers\":[{\"digest\":\"d\",\"size\":\"big\",\"done\":0,\"state\":\"Waiting\"}]}}", "'size' must be a whole number")]
    [InlineData("{\"kind\":\"images\",\"images\":{}}", "expected an array for the images")]
    [InlineData("[\"kind\"]", "expected an object for the reply")]
    [InlineData("{\"kind\":\"cluster\",\"cluster\":{\"self\":\"a\",\"members\":[{\"address\":\"a\",\"status\":\"Up\",\"reachable\":\"yes\"}]}}", "'reachable' must be true or false")]
    [InlineData("{\"kind\":\"cluster\",\"cluster\":{\"members\":[]}}", "the cluster has no 'self'")]
    [InlineData("{\"kind\":\"blob\",\"blob\":{\"digest\":\"sha256:ab\",\"holders\":[{\"address\":\"a\"}]}}", "the blob holder has no 'state'")]
    public void A_reply_missing_or_mistyping_a_member_is_refused_naming_it(string json, string expected)
    {
        var e = Assert.ThrowsAny<JsonException>(() => GatewayCodec.DecodeReply(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"kind\":\"ok\"")]
    [InlineData("{\"kind\":\"ok\"} trailing")]
    [InlineData("not json")]
    public void A_line_that_is_not_one_json_object_is_refused(string json) =>
        Assert.ThrowsAny<JsonException>(() => GatewayCodec.DecodeReply(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void A_request_without_an_op_is_refused() =>
        Assert.Contains("'op'", Assert.ThrowsAny<JsonException>(() => GatewayCodec.DecodeRequest("{\"image\":\"a\"}"u8)).Message);

    [Fact]
    public void Json_output_of_a_pull_is_the_result_object_alone()
    {
        using var doc = JsonDocument.Parse(GatewayCodec.EncodeResult(Result));

        Assert.Equal(Result.ManifestDigest, doc.RootElement.GetProperty("manifestDigest").GetString());
        Assert.Equal(Result.BytesFetched, doc.RootElement.GetProperty("bytesFetched").GetInt64());
        Assert.Equal(Result.Seconds, doc.RootElement.GetProperty("seconds").GetDouble());
        Assert.Equal(2, doc.RootElement.GetProperty("chainIds").GetArrayLength());
    }

    [Fact]
    public void Json_output_of_an_image_list_is_an_array_of_summaries()
    {
        using var doc = JsonDocument.Parse(GatewayCodec.EncodeImages([Image]));

        var only = Assert.Single(doc.RootElement.EnumerateArray());
        Assert.Equal(Image.Pulled, only.GetProperty("pulled").GetDateTimeOffset());
        Assert.Equal(3, only.GetProperty("layers").GetInt32());
    }
}
