using Akka.Configuration;

namespace PullCluster.Host;

/// <summary>
/// Assembles the node's HOCON: an optional --config file over config/pullcluster.conf (shipped next to the
/// binary), plus Akka.Remote when --remote is given so that other processes can send the message API.
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
        if (options.Remote is { } remote)
        {
            var (host, port) = NodeOptions.SplitHostPort(remote);
            config = ConfigurationFactory.ParseString($$"""
                akka.actor.provider = remote
                akka.remote.dot-netty.tcp { hostname = "{{host}}", port = {{port}} }
                """).WithFallback(config);
        }
        return config;
    }
}
