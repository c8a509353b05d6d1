using System.Globalization;
using System.Net;

namespace PullCluster.Cmd.Connection;

/// <summary>HOST:PORT of a node's gateway; IPv6 hosts are written in brackets, [::1]:9110.</summary>
public sealed record NodeAddress(string Host, int Port)
{
    public static NodeAddress Default { get; } = new("127.0.0.1", 9110);

    public static bool TryParse(string value, out NodeAddress address)
    {
        address = Default;
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || colon == value.Length - 1) return false;
        var host = value[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        else if (host.Contains(':')) return false;
        if (host.Length == 0) return false;
        if (!int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
            return false;
        address = new NodeAddress(host, port);
        return true;
    }

    /// <summary>Only a node on this machine may be started on demand: a remote one is someone else's to run.</summary>
    public bool IsLoopback => IPAddress.TryParse(Host, out var ip)
        ? IPAddress.IsLoopback(ip)
        : Host.Equals("localhost", StringComparison.OrdinalIgnoreCase);

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
