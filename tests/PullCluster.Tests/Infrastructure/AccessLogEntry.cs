using System.Globalization;
using System.Text.RegularExpressions;
using PullCluster.Core.Formats;

namespace PullCluster.Tests.Infrastructure;

public enum RegistryEndpoint { Other, Base, Blob, Manifest, Upload, Tags, Catalog }

/// <summary>One line of the registry's access log (Apache combined format), with the /v2/ route decoded.</summary>
public sealed partial record AccessLogEntry(
    string Method,
    string Path,
    string Query,
    int Status,
    long Bytes,
    string UserAgent,
    DateTimeOffset Time,
    RegistryEndpoint Endpoint,
    string? Repository,
    string? Reference)
{
    /// <summary>The digest of a blob or by-digest manifest request; null for tags and other routes.</summary>
    public Digest? Digest => Core.Formats.Digest.TryParse(Reference, out var d) ? d : null;

    public bool IsSuccessfulBlobGet => Endpoint == RegistryEndpoint.Blob && Method == "GET" && Status is 200 or 206;

    public static AccessLogEntry? TryParse(string line)
    {
        var m = LinePattern().Match(line);
        if (!m.Success) return null;
        var target = m.Groups["target"].Value;
        var q = target.IndexOf('?');
        var path = q < 0 ? target : target[..q];
        var query = q < 0 ? "" : target[(q + 1)..];
        var (endpoint, repo, reference) = Route(path);
        var bytes = m.Groups["bytes"].Value == "-" ? 0 : long.Parse(m.Groups["bytes"].Value, CultureInfo.InvariantCulture);
        DateTimeOffset.TryParseExact(m.Groups["time"].Value, "dd/MMM/yyyy:HH:mm:ss zzz", CultureInfo.InvariantCulture,
            DateTimeStyles.None, out var time);
        return new AccessLogEntry(
            m.Groups["method"].Value, path, query, int.Parse(m.Groups["status"].Value, CultureInfo.InvariantCulture),
            bytes, m.Groups["ua"].Value, time, endpoint, repo, reference);
    }

    private static (RegistryEndpoint, string?, string?) Route(string path)
    {
        if (path is "/v2/" or "/v2") return (RegistryEndpoint.Base, null, null);
        if (path == "/v2/_catalog") return (RegistryEndpoint.Catalog, null, null);
        if (!path.StartsWith("/v2/", StringComparison.Ordinal)) return (RegistryEndpoint.Other, null, null);
        var rest = path["/v2/".Length..];
        foreach (var (marker, endpoint) in Routes)
        {
            var i = rest.LastIndexOf(marker, StringComparison.Ordinal);
            if (i > 0) return (endpoint, rest[..i], rest[(i + marker.Length)..].TrimEnd('/'));
        }
        return rest.EndsWith("/tags/list", StringComparison.Ordinal)
            ? (RegistryEndpoint.Tags, rest[..^"/tags/list".Length], null)
            : (RegistryEndpoint.Other, null, null);
    }

    private static readonly (string Marker, RegistryEndpoint Endpoint)[] Routes =
    [
        ("/blobs/uploads/", RegistryEndpoint.Upload),
        ("/blobs/", RegistryEndpoint.Blob),
        ("/manifests/", RegistryEndpoint.Manifest),
    ];

    [GeneratedRegex("""^\S+ \S+ \S+ \[(?<time>[^\]]+)\] "(?<method>[A-Z]+) (?<target>\S+) [^"]*" (?<status>\d{3}) (?<bytes>\d+|-) "[^"]*" "(?<ua>[^"]*)"$""")]
    private static partial Regex LinePattern();
}
