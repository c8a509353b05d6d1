using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PullCluster.Core.Formats;

namespace PullCluster.Core.Store;

public sealed record ImageLayerRecord(string Digest, string MediaType, long Size, string DiffId, string ChainId);

/// <summary>
/// reference → manifest → config → layers, as pulled for one platform. <see cref="Platform"/> is the platform
/// the manifest was chosen for: the index entry's when the reference names an index, else the config's.
/// </summary>
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

/// <summary>
/// Image records, one small JSON file per (reference, platform), replaced atomically on every pull:
/// <c>images/&lt;sha256 of the reference&gt;.&lt;platform&gt;.json</c>, e.g. <c>3f…9a.linux-arm64-v8.json</c>. A
/// pull of the same reference for another platform adds a file beside the first, and a reference's records
/// share their prefix, so they are found without reading any other. Stores from before the platform was part
/// of the key hold <c>images/&lt;hash&gt;.json</c>; <see cref="MigrateUnkeyedRecords"/> renames those.
/// </summary>
public sealed partial class ImageStore(StoreLayout layout)
{
    /// <summary>The platform in the spelling records are keyed by: aliases resolved as a pull resolves them (arm64 → arm64/v8).</summary>
    public static string NormalizePlatform(string platform)
    {
        try
        {
            return Formats.Platform.Parse(platform).ToString();
        }
        catch (FormatException)
        {
            // A config may name a platform no parser knows; it still keys its own record.
            return platform.ToLowerInvariant();
        }
    }

    public void Put(ImageRecord record) =>
        AtomicFile.Write(PathOf(record.Reference, record.Platform), Serialize(record), layout.Tmp);

    /// <summary>The record of exactly this (reference, platform), the platform in any spelling a pull accepts.</summary>
    public ImageRecord? Get(string reference, string platform) => Read(PathOf(reference, platform));

    /// <summary>Every platform's record of one reference.</summary>
    public IReadOnlyList<ImageRecord> ListFor(string reference)
    {
        if (!Directory.Exists(layout.Images)) return [];
        return Directory.EnumerateFiles(layout.Images, ReferenceKey(reference) + ".*.json")
            .Select(Read)
            .OfType<ImageRecord>()
            .Where(r => r.Reference == reference)
            .OrderBy(r => r.Platform, StringComparer.Ordinal)
            .ToList();
    }

    public bool Remove(string reference, string platform)
    {
        var path = PathOf(reference, platform);
        if (!File.Exists(path)) return false;
        File.Delete(path);
        Durability.SyncDirectory(layout.Images);
        return true;
    }

    public IReadOnlyList<ImageRecord> List()
    {
        if (!Directory.Exists(layout.Images)) return [];
        return Directory.EnumerateFiles(layout.Images, "*.json")
            .Select(Read)
            .OfType<ImageRecord>()
            .OrderBy(r => r.Reference, StringComparer.Ordinal)
            .ThenBy(r => r.Platform, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// The record an image operation acts on. With <paramref name="platform"/>: that platform's record, or the
    /// one record it matches as a pull would match an index entry (linux/amd64 takes linux/amd64/v3 when that is
    /// all there is). Without: the same for <paramref name="host"/>, the platform a pull defaults to; failing that,
    /// the reference's only record, which is what a pull without a platform records for a single-platform image
    /// built for another machine.
    /// </summary>
    /// <exception cref="ImageNotFoundException">naming the reference, the platform and the platforms it has.</exception>
    public ImageRecord Select(string reference, Platform? platform, Platform host) => Select(ListFor(reference), reference, platform, host);

    /// <summary><see cref="Select(string, Platform?, Platform)"/> among a reference's records already read.</summary>
    public static ImageRecord Select(IReadOnlyList<ImageRecord> records, string reference, Platform? platform, Platform host)
    {
        if (records.Count == 0) throw new ImageNotFoundException(reference, null, []);
        var wanted = platform ?? host;
        var exact = NormalizePlatform(wanted.ToString());
        if (records.FirstOrDefault(r => NormalizePlatform(r.Platform) == exact) is { } same) return same;
        var compatible = records.Where(r => IsFor(r, wanted)).ToList();
        if (compatible.Count == 1) return compatible[0];
        if (platform is null && records.Count == 1) return records[0];
        throw new ImageNotFoundException(reference, platform is null ? $"{exact} (this node's platform)" : exact,
            records.Select(r => r.Platform).ToList());
    }

    /// <summary>
    /// Gives every record written before records were keyed by platform (<c>images/&lt;hash&gt;.json</c>) its
    /// platform key: the record is written under its new name first and the old file deleted after, so a crash in
    /// between leaves two copies of one record, never none; the next start finishes the move. Files that do not
    /// parse are left where they are and returned.
    /// </summary>
    public (int Migrated, IReadOnlyList<string> Unreadable) MigrateUnkeyedRecords()
    {
        if (!Directory.Exists(layout.Images)) return (0, []);
        var migrated = 0;
        var unreadable = new List<string>();
        foreach (var path in Directory.EnumerateFiles(layout.Images, "*.json").Where(p => UnkeyedName().IsMatch(Path.GetFileName(p))).ToList())
        {
            ImageRecord? record;
            try
            {
                record = Read(path);
            }
            catch (JsonException)
            {
                record = null;
            }
            if (record is null || string.IsNullOrEmpty(record.Reference) || string.IsNullOrEmpty(record.Platform))
            {
                unreadable.Add(path);
                continue;
            }
            record = record with { Platform = NormalizePlatform(record.Platform) };
            // A record already under the new name is the newer one only if a pull wrote it after the move began.
            if (Get(record.Reference, record.Platform) is not { } existing || existing.Pulled < record.Pulled) Put(record);
            File.Delete(path);
            Durability.SyncDirectory(layout.Images);
            migrated++;
        }
        return (migrated, unreadable);
    }

    private string PathOf(string reference, string platform) =>
        Path.Combine(layout.Images, $"{ReferenceKey(reference)}.{PlatformKey(platform)}.json");

    private static string ReferenceKey(string reference) => Digest.Sha256(Encoding.UTF8.GetBytes(reference)).Hex;

    /// <summary>The platform as a file name part: linux/arm64/v8 → linux-arm64-v8; anything with other characters is hashed.</summary>
    private static string PlatformKey(string platform)
    {
        var normalized = NormalizePlatform(platform);
        return PlainPlatform().IsMatch(normalized)
            ? normalized.Replace('/', '-')
            : "p" + Digest.Sha256(Encoding.UTF8.GetBytes(normalized)).Hex[..16];
    }

    /// <summary>True when <paramref name="record"/> was pulled for a platform that <paramref name="wanted"/> accepts, as a pull matches index entries.</summary>
    public static bool IsFor(ImageRecord record, Platform wanted)
    {
        try
        {
            return wanted.Matches(Formats.Platform.Parse(record.Platform));
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static ImageRecord? Read(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), StoreJson.Default.ImageRecord) : null;

    private static byte[] Serialize(ImageRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, StoreJson.Default.ImageRecord);

    [GeneratedRegex("^[a-z0-9_.]+(/[a-z0-9_.]+){1,2}$")]
    private static partial Regex PlainPlatform();

    [GeneratedRegex("^[0-9a-f]{64}\\.json$")]
    private static partial Regex UnkeyedName();
}
