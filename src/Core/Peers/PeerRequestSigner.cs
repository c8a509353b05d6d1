using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PullCluster.Core.Peers;

/// <summary>
/// Signs and checks the HTTP requests cluster members send each other (blob transfer), with a key derived from the
/// farm's secret (<see cref="ClusterSecret.PeerHttpPurpose"/>):
/// <c>Authorization: PullCluster-HMAC node="&lt;id&gt;", ts="&lt;unix seconds&gt;", sig="&lt;base64&gt;"</c>, where sig is
/// HMAC-SHA256 over <c>METHOD \n path-and-query \n ts \n node</c>. The timestamp bounds how long a captured header
/// can be replayed (±<see cref="MaxClockSkew"/>, which also absorbs clock drift between hosts); within that window a
/// replay can only repeat the same read-only request. The host is not signed, so a request stays valid through a
/// proxy or under another name for the same node.
/// </summary>
public sealed class PeerRequestSigner
{
    public const string Scheme = "PullCluster-HMAC";

    /// <summary>How far a request's timestamp may be from the receiver's clock.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(300);

    /// <summary>Longer Authorization values are refused before they are parsed.</summary>
    private const int MaxHeaderLength = 1024;

    private const int MaxNodeLength = 256;

    private readonly byte[] _key;

    /// <param name="secret">The farm's secret; every member holding it signs and checks alike.</param>
    /// <param name="node">This node's id, sent with each request so the receiver's log can say who asked.</param>
    public PeerRequestSigner(ClusterSecret secret, string node)
        : this(secret.Key(ClusterSecret.PeerHttpPurpose), node)
    {
    }

    internal PeerRequestSigner(byte[] key, string node)
    {
        if (!IsValidNode(node))
            throw new ArgumentException(
                $"invalid node id '{node}' for peer requests: 1 to {MaxNodeLength} printable ASCII characters without spaces, quotes or backslashes",
                nameof(node));
        _key = key;
        Node = node;
    }

    public string Node { get; }

    /// <summary>The Authorization header value for a request of <paramref name="method"/> to <paramref name="pathAndQuery"/>, now.</summary>
    public string Sign(string method, string pathAndQuery) => Sign(method, pathAndQuery, DateTimeOffset.UtcNow);

    internal string Sign(string method, string pathAndQuery, DateTimeOffset at)
    {
        var ts = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var sig = Convert.ToBase64String(Mac(method, pathAndQuery, ts, Node));
        return $"{Scheme} node=\"{Node}\", ts=\"{ts}\", sig=\"{sig}\"";
    }

    /// <summary>Checks a received request's Authorization value against its method and raw request target, now.</summary>
    public PeerSignatureCheck Verify(string? authorization, string method, string pathAndQuery) =>
        Verify(authorization, method, pathAndQuery, DateTimeOffset.UtcNow);

    internal PeerSignatureCheck Verify(string? authorization, string method, string pathAndQuery, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(authorization)) return PeerSignatureCheck.Refused("no Authorization header");
        if (authorization.Length > MaxHeaderLength) return PeerSignatureCheck.Refused($"Authorization header longer than {MaxHeaderLength} characters");
        var value = authorization.Trim();
        if (!value.StartsWith(Scheme + " ", StringComparison.OrdinalIgnoreCase))
            return PeerSignatureCheck.Refused($"Authorization is not a {Scheme} signature");
        if (ParseParameters(value.AsSpan(Scheme.Length + 1)) is not { } parameters
            || !parameters.TryGetValue("node", out var node) || !IsValidNode(node)
            || !parameters.TryGetValue("ts", out var ts) || !long.TryParse(ts, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || !parameters.TryGetValue("sig", out var sig))
            return PeerSignatureCheck.Refused($"malformed {Scheme} Authorization");

        var skew = now.ToUnixTimeSeconds() - (double)seconds;
        if (Math.Abs(skew) > MaxClockSkew.TotalSeconds)
            return PeerSignatureCheck.Refused(
                $"signature of node \"{node}\" is timestamped {Math.Abs(skew):0} s {(skew > 0 ? "in the past" : "in the future")}, more than {MaxClockSkew.TotalSeconds:0} s (stale, replayed, or the hosts' clocks differ)");

        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var expected = Mac(method, pathAndQuery, ts, node);
        if (!Convert.TryFromBase64String(sig, given, out var length) || length != given.Length
            || !CryptographicOperations.FixedTimeEquals(given, expected))
            return PeerSignatureCheck.Refused($"signature of node \"{node}\" does not match (a different cluster secret, or an altered request)");
        return PeerSignatureCheck.Accepted(node);
    }

    private byte[] Mac(string method, string pathAndQuery, string ts, string node) =>
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{method.ToUpperInvariant()}\n{pathAndQuery}\n{ts}\n{node}"));

    private static bool IsValidNode(string? node) =>
        node is { Length: > 0 and <= MaxNodeLength } && node.All(c => c is > ' ' and < (char)0x7f and not '"' and not '\\');

    /// <summary><c>name="value", …</c>; null when malformed, a name repeats or one is unknown.</summary>
    private static Dictionary<string, string>? ParseParameters(ReadOnlySpan<char> text)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (true)
        {
            while (i < text.Length && text[i] is ' ' or '\t') i++;
            if (i == text.Length) return parameters;
            var nameStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i])) i++;
            var name = text[nameStart..i].ToString().ToLowerInvariant();
            if (name is not ("node" or "ts" or "sig") || parameters.ContainsKey(name)) return null;
            if (i + 1 >= text.Length || text[i] != '=' || text[i + 1] != '"') return null;
            i += 2;
            var valueStart = i;
            while (i < text.Length && text[i] is not ('"' or '\\')) i++;
            if (i == text.Length || text[i] != '"') return null;
            parameters[name] = text[valueStart..i].ToString();
            i++;
            while (i < text.Length && text[i] is ' ' or '\t') i++;
            if (i == text.Length) return parameters;
            if (text[i] != ',') return null;
            i++;
        }
    }
}

/// <summary>The outcome of checking a peer request: the node that signed it, or why it was refused.</summary>
public sealed record PeerSignatureCheck(bool IsValid, string? Node, string? Refusal)
{
    public static PeerSignatureCheck Accepted(string node) => new(true, node, null);
    public static PeerSignatureCheck Refused(string reason) => new(false, null, reason);
}
