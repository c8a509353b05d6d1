using System.Text;

namespace PullCluster.Tests.Infrastructure;

/// <summary>An HTTP/1.1 start line and header fields, kept in order and spelling so forwarding changes nothing else.</summary>
internal sealed class HttpHead
{
    private HttpHead(string startLine, List<KeyValuePair<string, string>> fields)
    {
        StartLine = startLine;
        Fields = fields;
    }

    public string StartLine { get; private set; }

    public List<KeyValuePair<string, string>> Fields { get; }

    public static HttpHead Parse(string text)
    {
        var lines = text.Split("\r\n");
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) throw new InvalidDataException($"malformed HTTP header line '{line}'");
            fields.Add(new(line[..colon], line[(colon + 1)..].Trim()));
        }
        return new HttpHead(lines[0], fields);
    }

    /// <summary>Method, target and version of a request line.</summary>
    public (string Method, string Target, string Version) RequestLine
    {
        get
        {
            var parts = StartLine.Split(' ');
            if (parts.Length != 3) throw new InvalidDataException($"malformed HTTP request line '{StartLine}'");
            return (parts[0], parts[1], parts[2]);
        }
    }

    /// <summary>Sends a request elsewhere on the same server: replaces the target of the request line.</summary>
    public void SetRequestTarget(string target)
    {
        var (method, _, version) = RequestLine;
        StartLine = $"{method} {target} {version}";
    }

    public int StatusCode
    {
        get
        {
            var parts = StartLine.Split(' ', 3);
            return parts.Length >= 2 && int.TryParse(parts[1], out var code)
                ? code
                : throw new InvalidDataException($"malformed HTTP status line '{StartLine}'");
        }
    }

    public string? Get(string name) =>
        Fields.FirstOrDefault(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    public bool HasToken(string name, string token) =>
        Fields.Any(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase)
            && f.Value.Split(',').Any(v => string.Equals(v.Trim(), token, StringComparison.OrdinalIgnoreCase)));

    public void Remove(string name) => Fields.RemoveAll(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase));

    public void Set(string name, string value)
    {
        Remove(name);
        Fields.Add(new(name, value));
    }

    public byte[] Serialize()
    {
        var sb = new StringBuilder(StartLine).Append("\r\n");
        foreach (var (k, v) in Fields) sb.Append(k).Append(": ").Append(v).Append("\r\n");
        return Encoding.Latin1.GetBytes(sb.Append("\r\n").ToString());
    }
}
