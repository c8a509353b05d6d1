using System.Net;
using PullCluster.Core.Formats;

namespace PullCluster.Core.Registry;

/// <summary>Where an image's registry API is reached and which per-host settings apply to it.</summary>
internal sealed record RegistryEndpoint(Uri BaseUri, RegistryHostOptions? Options)
{
    public static RegistryEndpoint Resolve(RegistryOptions options, ImageReference image)
    {
        var hostOptions = FindHostOptions(options, image.Registry, image.ApiHost);
        var plain = hostOptions?.Insecure ?? IsLoopback(image.ApiHost);
        return new RegistryEndpoint(new Uri($"{(plain ? "http" : "https")}://{image.ApiHost}/"), hostOptions);
    }

    public static RegistryHostOptions? FindHostOptions(RegistryOptions options, params string[] names)
    {
        foreach (var name in names)
            if (options.Hosts.TryGetValue(name, out var exact)) return exact;
        foreach (var name in names)
            if (options.Hosts.TryGetValue(HostOf(name), out var hostOnly)) return hostOnly;
        return null;
    }

    public static bool IsLoopback(string hostPort)
    {
        var host = HostOf(hostPort);
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ||
               IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
    }

    /// <summary>"host:5000" → "host", "[::1]:5000" → "::1".</summary>
    public static string HostOf(string hostPort)
    {
        if (hostPort.StartsWith('['))
        {
            var close = hostPort.IndexOf(']');
            return close > 0 ? hostPort[1..close] : hostPort;
        }
        var colon = hostPort.IndexOf(':');
        return colon >= 0 && colon == hostPort.LastIndexOf(':') ? hostPort[..colon] : hostPort;
    }
}
