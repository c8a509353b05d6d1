using System.Text;
using System.Text.Json;

namespace PullCluster.Core.Registry;

/// <summary>
/// Credentials read from Docker's config.json and Podman's auth.json. Credential helpers are not run: a registry
/// whose credentials only a helper holds gets a clear error when (and only when) it asks for authentication.
/// </summary>
public sealed class CredentialFiles
{
    private readonly List<CredentialFile> _files;

    private CredentialFiles(List<CredentialFile> files) => _files = files;

    public static CredentialFiles Empty { get; } = new([]);

    /// <summary>The files Podman and Docker consult, most specific first; missing ones are skipped at load.</summary>
    public static IReadOnlyList<string> DefaultPaths(string home, Func<string, string?> environment)
    {
        var paths = new List<string>();
        if (environment("REGISTRY_AUTH_FILE") is { Length: > 0 } explicitFile) paths.Add(explicitFile);
        if (environment("XDG_RUNTIME_DIR") is { Length: > 0 } runtime) paths.Add(Path.Combine(runtime, "containers", "auth.json"));
        var dockerDir = environment("DOCKER_CONFIG") is { Length: > 0 } d ? d : Path.Combine(home, ".docker");
        paths.Add(Path.Combine(dockerDir, "config.json"));
        return paths;
    }

    /// <summary>Reads the files that exist; a malformed one is an error naming its path.</summary>
    public static CredentialFiles Load(IEnumerable<string> paths)
    {
        var files = new List<CredentialFile>();
        foreach (var path in paths)
        {
            if (!File.Exists(path)) continue;
            try
            {
                files.Add(CredentialFile.Parse(path, File.ReadAllBytes(path)));
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
            {
                throw new FormatException($"credential file {path} is malformed: {e.Message}", e);
            }
        }
        return new CredentialFiles(files);
    }

    /// <summary>
    /// The credential for <paramref name="registry"/> (as an image reference names it, e.g. "docker.io") and
    /// repository: an entry for "registry/namespace/repo" beats one for "registry"; earlier files win.
    /// </summary>
    public RegistryCredential? Find(string registry, string repository)
    {
        var wanted = NormalizeKey(registry);
        var full = $"{wanted}/{repository}";
        foreach (var file in _files)
        {
            (RegistryCredential Credential, int Length)? best = null;
            foreach (var (key, credential) in file.Auths)
            {
                var matches = key == wanted || key == full || full.StartsWith(key + "/", StringComparison.Ordinal);
                if (matches && credential is not null && (best is null || key.Length > best.Value.Length))
                    best = (credential, key.Length);
            }
            if (best is not null) return best.Value.Credential;
        }
        return null;
    }

    /// <summary>The credential helper (docker-credential-NAME) a file delegates this registry to, if any.</summary>
    public string? HelperFor(string registry)
    {
        var wanted = NormalizeKey(registry);
        foreach (var file in _files)
        {
            if (file.Helpers.TryGetValue(wanted, out var helper)) return helper;
            if (file.Store is not null) return file.Store;
        }
        return null;
    }

    /// <summary>
    /// Docker writes keys as URLs ("https://index.docker.io/v1/"), Podman as host or host/path; both mean the same registry.
    /// </summary>
    internal static string NormalizeKey(string key)
    {
        var k = key.Trim();
        var hadScheme = false;
        foreach (var scheme in new[] { "https://", "http://" })
        {
            if (k.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                k = k[scheme.Length..];
                hadScheme = true;
            }
        }
        var slash = k.IndexOf('/');
        // With a scheme the path is an API path (/v1/), not a repository.
        var host = slash < 0 ? k : k[..slash];
        var path = hadScheme || slash < 0 ? "" : k[slash..].TrimEnd('/');
        host = host.ToLowerInvariant() switch
        {
            "index.docker.io" or "registry-1.docker.io" or "registry.hub.docker.com" => "docker.io",
            var h => h,
        };
        return host + path;
    }

    private sealed record CredentialFile(
        string Path,
        List<KeyValuePair<string, RegistryCredential?>> Auths,
        Dictionary<string, string> Helpers,
        string? Store)
    {
        public static CredentialFile Parse(string path, byte[] json)
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException("top level is not a JSON object");

            var auths = new List<KeyValuePair<string, RegistryCredential?>>();
            if (root.TryGetProperty("auths", out var authsElement) && authsElement.ValueKind == JsonValueKind.Object)
                foreach (var entry in authsElement.EnumerateObject())
                    auths.Add(new(NormalizeKey(entry.Name), ParseEntry(entry, path)));

            var helpers = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("credHelpers", out var helpersElement) && helpersElement.ValueKind == JsonValueKind.Object)
                foreach (var entry in helpersElement.EnumerateObject())
                    if (entry.Value.ValueKind == JsonValueKind.String)
                        helpers[NormalizeKey(entry.Name)] = entry.Value.GetString()!;

            var store = root.TryGetProperty("credsStore", out var s) && s.ValueKind == JsonValueKind.String && s.GetString() is { Length: > 0 } name
                ? name
                : null;
            return new CredentialFile(path, auths, helpers, store);
        }

        private static RegistryCredential? ParseEntry(JsonProperty entry, string path)
        {
            var source = $"{path} auths[\"{entry.Name}\"]";
            if (entry.Value.ValueKind != JsonValueKind.Object) throw new FormatException($"auths[\"{entry.Name}\"] is not an object");
            if (entry.Value.TryGetProperty("auth", out var auth) && auth.ValueKind == JsonValueKind.String && auth.GetString() is { Length: > 0 } encoded)
            {
                string decoded;
                try
                {
                    decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
                }
                catch (FormatException)
                {
                    throw new FormatException($"auths[\"{entry.Name}\"].auth is not base64");
                }
                var colon = decoded.IndexOf(':');
                if (colon < 0) throw new FormatException($"auths[\"{entry.Name}\"].auth does not decode to user:password");
                return new RegistryCredential(decoded[..colon], decoded[(colon + 1)..], source);
            }
            if (entry.Value.TryGetProperty("username", out var u) && u.ValueKind == JsonValueKind.String &&
                entry.Value.TryGetProperty("password", out var p) && p.ValueKind == JsonValueKind.String)
                return new RegistryCredential(u.GetString()!, p.GetString()!, source);
            return null;
        }
    }
}
