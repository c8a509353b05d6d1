using Akka.Configuration;
using PullCluster.Actors.Journal;
using PullCluster.Core.Registry;
using PullCluster.Core.Store;

namespace PullCluster.Actors;

/// <summary>The <c>pullcluster</c> section of the node's HOCON configuration (config/pullcluster.conf).</summary>
public sealed record PullClusterSettings(
    string StoreRoot,
    int MaxConcurrentDownloads,
    int MaxConcurrentCpuJobs,
    bool SyncLayers,
    TimeSpan ProgressInterval,
    RegistryOptions Registry,
    JournalSettings? Journal = null,
    long MaxLayerBytes = 64L << 30,
    long MaxExpansionRatio = 1000)
{
    public static PullClusterSettings FromConfig(Config config, string? storeOverride = null)
    {
        var c = config.GetConfig("pullcluster") ?? throw new ArgumentException("configuration has no 'pullcluster' section");
        var store = storeOverride ?? c.GetString("store", "");
        var cpu = c.GetInt("cpu.max-concurrent", 0);
        return new PullClusterSettings(
            StoreRoot: string.IsNullOrEmpty(store) ? StoreLayout.DefaultRoot() : Path.GetFullPath(store),
            MaxConcurrentDownloads: Math.Max(1, c.GetInt("downloads.max-concurrent", 8)),
            MaxConcurrentCpuJobs: cpu > 0 ? cpu : Environment.ProcessorCount,
            SyncLayers: c.GetBoolean("store-sync-layers", true),
            ProgressInterval: c.GetTimeSpan("progress-interval", TimeSpan.FromMilliseconds(200)),
            Registry: ReadRegistry(c.GetConfig("registry")),
            Journal: JournalSettings.FromConfig(c.GetConfig("journal")),
            MaxLayerBytes: c.GetByteSize("layers.max-uncompressed-size") ?? 64L << 30,
            MaxExpansionRatio: c.GetLong("layers.max-expansion-ratio", 1000));
    }

    public JournalSettings JournalOrDefault => Journal ?? new JournalSettings();

    private static RegistryOptions ReadRegistry(Config? c)
    {
        var options = new RegistryOptions();
        if (c is null) return options;
        options.MaxAttempts = c.GetInt("max-attempts", options.MaxAttempts);
        options.InitialBackoff = c.GetTimeSpan("initial-backoff", options.InitialBackoff);
        options.MaxBackoff = c.GetTimeSpan("max-backoff", options.MaxBackoff);
        options.IdleTimeout = c.GetTimeSpan("idle-timeout", options.IdleTimeout);
        options.ReadCredentialFiles = c.GetBoolean("read-credential-files", options.ReadCredentialFiles);
        if (c.HasPath("certs-directories")) options.CertificateDirectories = c.GetStringList("certs-directories").ToList();
        var hosts = c.GetConfig("hosts");
        if (hosts is not null)
        {
            foreach (var (name, _) in hosts.AsEnumerable().Select(kv => (kv.Key, kv.Value)))
            {
                var h = hosts.GetConfig(Quote(name));
                options.Hosts[name] = new RegistryHostOptions
                {
                    // Unset keeps the default (plain HTTP only on loopback); "off" asks for HTTPS on loopback too.
                    Insecure = h.HasPath("insecure") ? h.GetBoolean("insecure") : null,
                    SkipTlsVerify = h.GetBoolean("skip-tls-verify", false),
                    CaFile = NullIfEmpty(h.GetString("ca-file", "")) is { } ca ? Path.GetFullPath(ca) : null,
                    Username = NullIfEmpty(h.GetString("username", "")),
                    Password = NullIfEmpty(h.GetString("password", "")),
                };
            }
        }
        return options;
    }

    private static string Quote(string key) => "\"" + key + "\"";
    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
