using Akka.Configuration;
using PullCluster.Actors;

namespace PullCluster.Host;

/// <summary>
/// Assembles the node's HOCON: an optional --config file over config/pullcluster.conf (shipped next to the
/// binary), plus the cluster endpoint when --remote is given, where the farm's nodes and programs sending the message
/// API reach it, with mutual TLS when <c>pullcluster.remote.tls</c> (or its flags) names a certificate. Every node is a
/// cluster node (a farm of its own without seeds), whatever a configuration file says of the provider.
/// </summary>
public static class NodeConfig
{
    public static Config Load(NodeOptions options)
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "config", "pullcluster.conf");
        var config = File.Exists(shipped) ? ConfigurationFactory.ParseString(File.ReadAllText(shipped)) : Config.Empty;
        if (options.ConfigFile is { } file)
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"configuration file {file} not found");
            config = ConfigurationFactory.ParseString(File.ReadAllText(file)).WithFallback(config);
        }
        var overrides = new List<string>();
        if (options.RemoteTlsCertificate is { } certificate) overrides.Add($"{RemoteTls.ConfigPath}.certificate = {Quote(certificate)}");
        if (options.RemoteTlsCa is { } ca) overrides.Add($"{RemoteTls.ConfigPath}.ca-file = {Quote(ca)}");
        if (options.RemoteTlsPassword is { } password) overrides.Add($"{RemoteTls.ConfigPath}.password = {Quote(password)}");
        if (options.Remote is { } remote)
        {
            var (host, port) = NodeOptions.SplitHostPort(remote);
            overrides.Add($"akka.remote.dot-netty.tcp {{ hostname = {Quote(host)}, port = {port} }}");
        }
        if (options.SecretFile is { } secret) overrides.Add($"pullcluster.cluster.secret-file = {Quote(secret)}");
        overrides.Add("akka.actor.provider = cluster");
        config = ConfigurationFactory.ParseString(string.Join('\n', overrides)).WithFallback(config);
        // Whichever way remoting was turned on (--remote or a config file's provider), a configured certificate applies
        // to it, and the settings that would weaken it (no client certificate, no validation) cannot be set around it.
        if (RemoteEndpoint.IsRemoting(config) && RemoteTls.IsConfigured(config)) config = RemoteTls.AkkaConfig.WithFallback(config);
        return config;
    }

    /// <summary>The configuration without the certificate's password, for everything after the certificate is read.</summary>
    public static Config WithoutSecrets(Config config) =>
        ConfigurationFactory.ParseString($"{RemoteTls.ConfigPath}.password = \"\"").WithFallback(config);

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
