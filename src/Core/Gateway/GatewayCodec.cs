using System.Globalization;
using System.Text.Json;

namespace PullCluster.Core.Gateway;

/// <summary>
/// The gateway's JSON lines, written and read by hand. The CLI is a native binary that twenty build jobs
/// start at once, and the serializer's metadata set-up was a quarter of its CPU time; a reader and a
/// writer for these few records cost almost nothing. Members are camelCase, null members are left out,
/// unknown members are skipped (so a newer node can add fields), and any malformed line throws
/// <see cref="JsonException"/> naming what is wrong.
/// </summary>
public static class GatewayCodec
{
    /// <summary>The largest data frame a reader accepts; the node sends frames of at most <see cref="DataFrameWriter.FrameSize"/>.</summary>
    public const long MaxDataLength = 16L << 20;

    /// <summary>The request as the line the gateway reads, line break included.</summary>
    public static byte[] EncodeRequestLine(GatewayRequest request) =>
        new JsonLineWriter().BeginObject()
            .String("op", request.Op)
            .String("image", request.Image)
            .String("platform", request.Platform)
            .String("address", request.Address)
            .String("digest", request.Digest)
            .String("token", request.Token)
            .EndObject().ToUtf8Line();

    public static GatewayRequest DecodeRequest(ReadOnlySpan<byte> utf8)
    {
        var reader = Start(utf8, "request");
        string? op = null, image = null, platform = null, token = null, address = null, digest = null;
        while (NextMember(ref reader) is { } name)
        {
            switch (name)
            {
                case "op": op = ReadString(ref reader, name); break;
                case "image": image = ReadString(ref reader, name); break;
                case "platform": platform = ReadString(ref reader, name); break;
                case "address": address = ReadString(ref reader, name); break;
                case "digest": digest = ReadString(ref reader, name); break;
                case "token": token = ReadString(ref reader, name); break;
                default: reader.Skip(); break;
            }
        }
        End(ref reader, "request");
        return new GatewayRequest(Required(op, "op", "request"), image, platform, token, address, digest);
    }

    /// <summary>The reply as one line of the gateway's stream, line break included.</summary>
    public static byte[] EncodeReplyLine(GatewayReply reply)
    {
        var w = new JsonLineWriter().BeginObject().String("kind", reply.Kind);
        if (reply.Progress is { } progress) WriteProgress(w.BeginObject("progress"), progress).EndObject();
        if (reply.Result is { } result) WriteResult(w.BeginObject("result"), result).EndObject();
        if (reply.Images is { } images) WriteImages(w.BeginArray("images"), images).EndArray();
        if (reply.Cluster is { } cluster) WriteCluster(w.BeginObject("cluster"), cluster).EndObject();
        if (reply.Blob is { } blob) WriteBlob(w.BeginObject("blob"), blob).EndObject();
        w.String("message", reply.Message);
        if (reply.Length is { } length) w.Number("length", length);
        return w.EndObject().ToUtf8Line();
    }

    public static GatewayReply DecodeReply(ReadOnlySpan<byte> utf8)
    {
        var reader = Start(utf8, "reply");
        string? kind = null, message = null;
        long? length = null;
        PullProgressDto? progress = null;
        PullResultDto? result = null;
        IReadOnlyList<ImageSummaryDto>? images = null;
        ClusterViewDto? cluster = null;
        BlobWhereaboutsDto? blob = null;
        while (NextMember(ref reader) is { } name)
        {
            switch (name)
            {
                case "kind": kind = ReadString(ref reader, name); break;
                case "message": message = ReadString(ref reader, name); break;
                case "progress": progress = IsNull(ref reader) ? null : ReadProgress(ref reader); break;
                case "result": result = IsNull(ref reader) ? null : ReadResult(ref reader); break;
                case "images": images = IsNull(ref reader) ? null : ReadArray(ref reader, name, ReadImage); break;
                case "length": length = IsNull(ref reader) ? null : ReadInt64(ref reader, name); break;
                case "cluster": cluster = IsNull(ref reader) ? null : ReadCluster(ref reader); break;
                case "blob": blob = IsNull(ref reader) ? null : ReadBlob(ref reader); break;
                default: reader.Skip(); break;
            }
        }
        End(ref reader, "reply");
        if (kind == GatewayKinds.Data && length is not (>= 0 and <= MaxDataLength))
            throw new JsonException(length is null ? "a data reply has no 'length'" : $"a data reply's 'length' is out of range: {length}");
        return new GatewayReply(Required(kind, "kind", "reply"), progress, result, images, message, length, cluster, blob);
    }

    /// <summary><c>pull --json</c>'s output: the result record alone.</summary>
    public static string EncodeResult(PullResultDto result) =>
        WriteResult(new JsonLineWriter().BeginObject(), result).EndObject().ToString();

    /// <summary><c>image ls --json</c>'s output: an array of image summaries.</summary>
    public static string EncodeImages(IReadOnlyList<ImageSummaryDto> images) =>
        WriteImages(new JsonLineWriter().BeginArray(), images).EndArray().ToString();

    /// <summary><c>cluster show --json</c>'s output: the cluster as the answering node sees it.</summary>
    public static string EncodeCluster(ClusterViewDto cluster) =>
        WriteCluster(new JsonLineWriter().BeginObject(), cluster).EndObject().ToString();

    /// <summary><c>blob where --json</c>'s output.</summary>
    public static string EncodeBlob(BlobWhereaboutsDto blob) =>
        WriteBlob(new JsonLineWriter().BeginObject(), blob).EndObject().ToString();

    private static JsonLineWriter WriteCluster(JsonLineWriter w, ClusterViewDto cluster)
    {
        w.String("self", cluster.Self).String("leader", cluster.Leader).BeginArray("members");
        foreach (var member in cluster.Members)
        {
            w.BeginObject()
                .String("address", member.Address)
                .String("status", member.Status)
                .BeginArray("roles");
            foreach (var role in member.Roles) w.String(null, role);
            w.EndArray()
                .Boolean("reachable", member.Reachable)
                .Boolean("leader", member.Leader)
                .String("peerUrl", member.PeerUrl)
                .EndObject();
        }
        return w.EndArray();
    }

    private static JsonLineWriter WriteBlob(JsonLineWriter w, BlobWhereaboutsDto blob)
    {
        w.String("digest", blob.Digest).BeginArray("holders");
        foreach (var holder in blob.Holders)
            w.BeginObject()
                .String("address", holder.Address)
                .String("peerUrl", holder.PeerUrl)
                .String("state", holder.State)
                .EndObject();
        w.EndArray().BeginArray("unanswered");
        foreach (var address in blob.Unanswered) w.String(null, address);
        return w.EndArray();
    }

    private static JsonLineWriter WriteProgress(JsonLineWriter w, PullProgressDto progress)
    {
        w.String("image", progress.Image).BeginArray("layers");
        foreach (var layer in progress.Layers)
            w.BeginObject()
                .String("digest", layer.Digest)
                .Number("size", layer.Size)
                .Number("done", layer.Done)
                .String("state", layer.State)
                .EndObject();
        return w.EndArray();
    }

    private static JsonLineWriter WriteResult(JsonLineWriter w, PullResultDto result)
    {
        w.String("image", result.Image)
            .String("manifestDigest", result.ManifestDigest)
            .String("configDigest", result.ConfigDigest)
            .String("platform", result.Platform)
            .BeginArray("chainIds");
        foreach (var chainId in result.ChainIds) w.String(null, chainId);
        return w.EndArray()
            .Number("bytesFetched", result.BytesFetched)
            .Number("bytesShared", result.BytesShared)
            .Number("bytesReused", result.BytesReused)
            .Number("bytesFromRegistry", result.BytesFromRegistry)
            .Number("bytesFromPeers", result.BytesFromPeers)
            .Number("bytesFromStore", result.BytesFromStore)
            .Number("seconds", result.Seconds);
    }

    private static JsonLineWriter WriteImages(JsonLineWriter w, IReadOnlyList<ImageSummaryDto> images)
    {
        foreach (var image in images)
            w.BeginObject()
                .String("image", image.Image)
                .String("manifestDigest", image.ManifestDigest)
                .String("platform", image.Platform)
                .Number("size", image.Size)
                .Number("layers", image.Layers)
                .Timestamp("pulled", image.Pulled)
                .EndObject();
        return w;
    }

    private static PullProgressDto ReadProgress(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, "progress");
        string? image = null;
        IReadOnlyList<LayerProgressDto> layers = [];
        while (NextMember(ref reader) is { } name)
        {
            switch (name)
            {
                case "image": image = ReadString(ref reader, name); break;
                case "layers": layers = ReadArray(ref reader, name, ReadLayer); break;
                default: reader.Skip(); break;
            }
        }
        return new PullProgressDto(Required(image, "image", "progress"), layers);
    }

    private static LayerProgressDto ReadLayer(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, "layer progress");
        string? digest = null, state = null;
        long size = 0, done = 0;
        while (NextMember(ref reader) is { } name)
        {
            switch (name)
            {
                case "digest": digest = ReadString(ref reader, name); break;
                case "size": size = ReadInt64(ref reader, name); break;
                case "done": done = ReadInt64(ref reader, name); break;
                case "state": state = ReadString(ref reader, name); break;
                default: reader.Skip(); break;
            }
        }
        return new LayerProgressDto(Required(digest, "digest", "layer progress"), size, done, Required(state, "state", "layer progress"));
    }

    private static PullResultDto ReadResult(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, "result");
        string? image = null, manifest = null, config = null, platform = null;
        IReadOnlyList<string> chainIds = [];
        long fetched = 0, shared = 0, reused = 0, fromRegistry = 0, fromPeers = 0;
        double seconds = 0;
        while (NextMember(ref reader) is { } name)
        {
            switch (name)
            {
                case "image": image = ReadString(ref reader, name); break;
                case "manifestDigest": manifest = ReadString(ref reader, name); break;
                case "configDigest": config = ReadString(ref reader, name); break;
                case "platform": platform = ReadString(ref reader, name); break;
                case "chainIds": chainIds = ReadArray(ref reader, name, ReadArrayString); break;
                case "bytesFetched": fetched = ReadInt64(ref reader, name); break;
                case "bytesShared": shared = ReadInt64(ref reader, name); break;
                case "bytesReused": reused = ReadInt64(ref reader, name); break;
                case "bytesFromRegistry": fromRegistry = ReadInt64(ref reader, name); break;
                case "bytesFromPeers": fromPeers = ReadInt64(ref reader, name); break;
                case "seconds": seconds = ReadDouble(ref reader, name); break;
                default: reader.Skip(); break;
            }
        }
        return new PullResultDto(
            Required(image, "image", "result"), Required(manifest, "manifestDigest", "result"),
            Required(config, "configDigest", "result"), Required(platform, "platform", "result"),
            chainIds, fetched, shared, reused, seconds, fromRegistry, fromPeers);
    }

    private static ImageSummaryDto ReadImage(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, "image summary");
        string? image = null, manifest = null, platform = null, pulled = null;
        long size = 0, layers = 0;
        while (NextMember(ref reader) is { } name)
        {
            switch (name)
            {
                case "image": image = ReadString(ref reader, name); break;
                case "manifestDigest": manifest = ReadString(ref reader, name); break;
                case "platform": platform = ReadString(ref reader, name); break;
                case "size": size = ReadInt64(ref reader, name); break;
                case "layers": layers = ReadInt64(ref reader, name); break;
                case "pulled": pulled = ReadString(ref reader, name); break;
                default: reader.Skip(); break;
            }
        }
        if (!DateTimeOffset.TryParse(Required(pulled, "pulled", "image summary"), CultureInfo.InvariantCulture,
                DateTimeStyles.RoundtripKind, out var when))
            throw new JsonException($"'pulled' of an image summary is not a timestamp: '{pulled}'");
        if (layers is < 0 or > int.MaxValue) throw new JsonException($"'layers' of an image summary is out of range: {layers}");
        return new ImageSummaryDto(
            Required(image, "image", "image summary"), Required(manifest, "manifestDigest", "image summary"),
            Required(platform, "platform", "image summary"), size, (int)layers, when);
    }

    private static ClusterViewDto ReadCluster(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, "cluster");
        string? self = null, leader = null;
        IReadOnlyList<ClusterMemberDto> members = [];
        while (NextMember(ref reader) is { } name)
        {
            switch (name)
            {
                case "self": self = ReadString(ref reader, name); break;
                case "leader": leader = ReadString(ref reader, name); break;
                case "members": members = ReadArray(ref reader, name, ReadMember); break;
                default: reader.Skip(); break;
            }
        }
        return new ClusterViewDto(Required(self, "self", "cluster"), leader, members);
    }

    private static ClusterMemberDto ReadMember(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, "cluster member");
        string? address = null, status = null, peerUrl = null;
        IReadOnlyList<string> roles = [];
        bool reachable = true, leader = false;
        while (NextMember(ref reader) is { } name)
        {
            switch (name)
            {
                case "address": address = ReadString(ref reader, name); break;
                case "status": status = ReadString(ref reader, name); break;
                case "roles": roles = ReadArray(ref reader, name, ReadArrayString); break;
                case "reachable": reachable = ReadBoolean(ref reader, name); break;
                case "leader": leader = ReadBoolean(ref reader, name); break;
                case "peerUrl": peerUrl = ReadString(ref reader, name); break;
                default: reader.Skip(); break;
            }
        }
        return new ClusterMemberDto(
            Required(address, "address", "cluster member"), Required(status, "status", "cluster member"), roles, reachable, leader, peerUrl);
    }

    private static BlobWhereaboutsDto ReadBlob(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, "blob");
        string? digest = null;
        IReadOnlyList<BlobHolderDto> holders = [];
        IReadOnlyList<string> unanswered = [];
        while (NextMember(ref reader) is { } name)
        {
            switch (name)
            {
                case "digest": digest = ReadString(ref reader, name); break;
                case "holders": holders = ReadArray(ref reader, name, ReadHolder); break;
                case "unanswered": unanswered = ReadArray(ref reader, name, ReadArrayString); break;
                default: reader.Skip(); break;
            }
        }
        return new BlobWhereaboutsDto(Required(digest, "digest", "blob"), holders, unanswered);
    }

    private static BlobHolderDto ReadHolder(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, "blob holder");
        string? address = null, peerUrl = null, state = null;
        while (NextMember(ref reader) is { } name)
        {
            switch (name)
            {
                case "address": address = ReadString(ref reader, name); break;
                case "peerUrl": peerUrl = ReadString(ref reader, name); break;
                case "state": state = ReadString(ref reader, name); break;
                default: reader.Skip(); break;
            }
        }
        return new BlobHolderDto(
            Required(address, "address", "blob holder"), peerUrl ?? "", Required(state, "state", "blob holder"));
    }

    private static string ReadArrayString(ref Utf8JsonReader reader) =>
        ReadString(ref reader, "array element") ?? throw new JsonException("a string array holds a null");

    private delegate T ElementReader<out T>(ref Utf8JsonReader reader);

    private static IReadOnlyList<T> ReadArray<T>(ref Utf8JsonReader reader, string name, ElementReader<T> element)
    {
        Expect(ref reader, JsonTokenType.StartArray, name);
        var items = new List<T>();
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray) return items;
            items.Add(element(ref reader));
        }
    }

    private static Utf8JsonReader Start(ReadOnlySpan<byte> utf8, string what)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        Read(ref reader);
        Expect(ref reader, JsonTokenType.StartObject, what);
        return reader;
    }

    private static void End(ref Utf8JsonReader reader, string what)
    {
        if (reader.Read()) throw new JsonException($"the {what} line has text after its object");
    }

    /// <summary>Moves to the next member's value and returns its name, or null at the end of the object.</summary>
    private static string? NextMember(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        if (reader.TokenType == JsonTokenType.EndObject) return null;
        var name = reader.GetString()!;
        Read(ref reader);
        return name;
    }

    private static void Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new JsonException("the line ends before its JSON does");
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string what)
    {
        if (reader.TokenType != type) throw new JsonException($"expected {Describe(type)} for the {what}, found {Describe(reader.TokenType)}");
    }

    private static bool IsNull(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.Null;

    private static string? ReadString(ref Utf8JsonReader reader, string name) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        var other => throw new JsonException($"'{name}' must be a string, found {Describe(other)}"),
    };

    private static long ReadInt64(ref Utf8JsonReader reader, string name) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value)
            ? value
            : throw new JsonException($"'{name}' must be a whole number, found {Describe(reader.TokenType)}");

    private static bool ReadBoolean(ref Utf8JsonReader reader, string name) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        var other => throw new JsonException($"'{name}' must be true or false, found {Describe(other)}"),
    };

    private static double ReadDouble(ref Utf8JsonReader reader, string name) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var value)
            ? value
            : throw new JsonException($"'{name}' must be a number, found {Describe(reader.TokenType)}");

    private static string Required(string? value, string name, string what) =>
        value ?? throw new JsonException($"the {what} has no '{name}'");

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };
}
