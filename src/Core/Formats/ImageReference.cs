using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace PullCluster.Core.Formats;

/// <summary>
/// A parsed image name with Docker's normalization: <c>alpine</c> is <c>docker.io/library/alpine:latest</c>.
/// When both a tag and a digest are given the digest decides what is fetched and the tag is kept for display.
/// </summary>
public sealed partial record ImageReference(string Registry, string Repository, string? Tag, Digest? Digest)
{
    public const string DockerHub = "docker.io";
    public const string DockerHubApiHost = "registry-1.docker.io";
    private const int MaxNameLength = 255;

    public static ImageReference Parse(string value)
    {
        var error = TryParseCore(value, out var reference);
        return reference ?? throw new FormatException($"invalid image reference '{value}': {error}");
    }

    public static bool TryParse(string value, [NotNullWhen(true)] out ImageReference? reference) =>
        TryParseCore(value, out reference) is null;

    /// <summary>What follows <c>/manifests/</c> in the registry API.</summary>
    public string Reference => Digest?.ToString() ?? Tag ?? "latest";

    /// <summary>The host the registry API is served from; Docker Hub's name and its API host differ.</summary>
    public string ApiHost => Registry == DockerHub ? DockerHubApiHost : Registry;

    /// <summary><c>registry/repository</c> without tag or digest, as errors name an image's repository.</summary>
    public string Name => $"{Registry}/{Repository}";

    public ImageReference WithDigest(Digest d) => this with { Digest = d };

    public static bool IsValidTag(string tag) => TagPattern().IsMatch(tag);

    public override string ToString() =>
        Name + (Tag is null ? "" : ":" + Tag) + (Digest is { } d ? "@" + d : "");

    /// <summary>Returns null on success, else why the value was refused.</summary>
    private static string? TryParseCore(string? value, out ImageReference? reference)
    {
        reference = null;
        if (string.IsNullOrEmpty(value)) return "empty reference";
        if (value.Any(char.IsWhiteSpace)) return "contains whitespace";

        var rest = value;
        Digest? digest = null;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            var digestText = rest[(at + 1)..];
            if (!Formats.Digest.TryParse(digestText, out var d)) return $"invalid digest '{digestText}'";
            digest = d;
            rest = rest[..at];
        }

        string? tag = null;
        var lastColon = rest.LastIndexOf(':');
        if (lastColon > rest.LastIndexOf('/'))
        {
            tag = rest[(lastColon + 1)..];
            rest = rest[..lastColon];
            if (!TagPattern().IsMatch(tag)) return $"invalid tag '{tag}': expected [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}";
        }
        if (rest.Length == 0) return "missing repository name";
        if (HexId().IsMatch(rest)) return "a 64-character hexadecimal string is an image id, not a repository name";

        var registry = DockerHub;
        var path = rest;
        var slash = rest.IndexOf('/');
        if (slash > 0)
        {
            var first = rest[..slash];
            if (first.Contains('.') || first.Contains(':') || first == "localhost")
            {
                if (!HostPattern().IsMatch(first)) return $"invalid registry host '{first}'";
                registry = first is "index.docker.io" or DockerHubApiHost ? DockerHub : first;
                path = rest[(slash + 1)..];
            }
        }
        if (registry == DockerHub && !path.Contains('/')) path = "library/" + path;

        foreach (var component in path.Split('/'))
        {
            if (component.Length == 0) return "empty path component in repository name";
            if (!ComponentPattern().IsMatch(component))
                return component.Any(char.IsUpper)
                    ? $"repository name must be lowercase (component '{component}')"
                    : $"invalid repository component '{component}': expected lowercase [a-z0-9]+ separated by '.', '_', '__' or '-'";
        }
        if (registry.Length + 1 + path.Length > MaxNameLength) return $"name longer than {MaxNameLength} characters";

        reference = new ImageReference(registry, path, tag ?? (digest is null ? "latest" : null), digest);
        return null;
    }

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex ComponentPattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex("^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?$", RegexOptions.CultureInvariant)]
    private static partial Regex HostPattern();

    [GeneratedRegex("^[a-f0-9]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex HexId();
}
