namespace PullCluster.Core.Formats;

/// <summary>A multi-platform image (OCI image index or Docker manifest list).</summary>
public sealed record ImageIndex(string MediaType, IReadOnlyList<Descriptor> Manifests) : ManifestDocument(MediaType)
{
    /// <summary>
    /// The manifest to pull for <paramref name="platform"/>. Among compatible entries one whose variant equals the
    /// requested one wins (arm64 without variant counts as v8), so an amd64 host takes plain amd64 over amd64/v3.
    /// </summary>
    public Descriptor SelectPlatform(Platform platform)
    {
        Descriptor? compatible = null;
        foreach (var entry in Manifests)
        {
            if (entry.Platform is not { } offered || !platform.Matches(offered)) continue;
            if (Normalized(offered).Variant == platform.Variant) return entry;
            compatible ??= entry;
        }
        return compatible ?? throw new NoMatchingPlatformException(
            platform, Manifests.Where(m => m.Platform is not null).Select(m => m.Platform!).ToList());
    }

    private static Platform Normalized(Platform p)
    {
        try { return Platform.Parse(p.ToString()); }
        catch (FormatException) { return p; }
    }
}

public sealed class NoMatchingPlatformException(Platform requested, IReadOnlyList<Platform> available)
    : Exception(available.Count == 0
        ? $"no manifest for {requested}: the image index lists no platforms"
        : $"no manifest for {requested}: the image index offers {string.Join(", ", available.Distinct())}")
{
    public Platform Requested { get; } = requested;
    public IReadOnlyList<Platform> Available { get; } = available;
}
