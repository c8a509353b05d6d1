using System.Globalization;

namespace PullCluster.Cmd.Connection;

/// <summary>HOST:PORT of a node's TCP gateway; IPv6 hosts are written in brackets, [::1]:9110. Every request
/// over it carries the admin token.</summary>
public sealed record NodeAddress(string Host, int Port) : NodeEndpoint
{
    public static bool TryParse(string value, out NodeAddress address)
    {
        address = new NodeAddress("", 0);
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

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
