using System.Text.Json.Serialization;

namespace PullCluster.Core.Store;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(ImageRecord))]
[JsonSerializable(typeof(LayerInfo))]
internal sealed partial class StoreJson : JsonSerializerContext;
