using System.Text;
using System.Text.Json;
using PullCluster.Core.Formats;

namespace PullCluster.Core.Store;

public sealed record ImageLayerRecord(string Digest, string MediaType, long Size, string DiffId, string ChainId);

/// <summary>reference → manifest → config → layers, as pulled.</summary>
public sealed record ImageRecord(
    string Reference,
    string ManifestDigest,
    string ManifestMediaType,
    long ManifestSize,
    string ConfigDigest,
    string ConfigMediaType,
    long ConfigSize,
    string Platform,
    IReadOnlyList<ImageLayerRecord> Layers,
    DateTimeOffset Pulled)
{
    public IEnumerable<string> ChainIds => Layers.Select(l => l.ChainId);
    public long CompressedSize => Layers.Sum(l => l.Size) + ConfigSize;
}

/// <summary>Image records, one small JSON file per reference, replaced atomically on every pull.</summary>
public sealed class ImageStore(StoreLayout layout)
{
    private string PathOf(string reference) =>
        Path.Combine(layout.Images, Digest.Sha256(Encoding.UTF8.GetBytes(reference)).Hex + ".json");

    public void Put(ImageRecord record) =>
        AtomicFile.Write(PathOf(record.Reference), JsonSerializer.SerializeToUtf8Bytes(record, StoreJson.Default.ImageRecord), layout.Tmp);

    public ImageRecord? Get(string reference)
    {
        var path = PathOf(reference);
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), StoreJson.Default.ImageRecord) : null;
    }

    public bool Remove(string reference)
    {
        var path = PathOf(reference);
        if (!File.Exists(path)) return false;
        File.Delete(path);
        Durability.SyncDirectory(layout.Images);
        return true;
    }

    public IReadOnlyList<ImageRecord> List()
    {
        if (!Directory.Exists(layout.Images)) return [];
        var records = new List<ImageRecord>();
        foreach (var file in Directory.EnumerateFiles(layout.Images, "*.json"))
        {
            var record = JsonSerializer.Deserialize(File.ReadAllBytes(file), StoreJson.Default.ImageRecord);
            if (record is not null) records.Add(record);
        }
        return records.OrderBy(r => r.Reference, StringComparer.Ordinal).ToList();
    }
}
