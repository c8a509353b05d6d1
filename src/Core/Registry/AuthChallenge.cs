using System.Text;

namespace PullCluster.Core.Registry;

/// <summary>One challenge of a <c>WWW-Authenticate</c> header, e.g. <c>Bearer realm="…",service="…",scope="…"</c>.</summary>
public sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public string? Realm => Parameters.GetValueOrDefault("realm");
    public string? Service => Parameters.GetValueOrDefault("service");
    public string? Scope => Parameters.GetValueOrDefault("scope");

    public bool IsBearer => Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase);
    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Parses a header value that may hold several challenges; parameter values may be quoted, with commas and
    /// backslash escapes inside the quotes. Names are case-insensitive.
    /// </summary>
    public static IReadOnlyList<AuthChallenge> Parse(string header)
    {
        var result = new List<AuthChallenge>();
        string? scheme = null;
        Dictionary<string, string>? parameters = null;
        var i = 0;
        while (true)
        {
            SkipWhile(header, ref i, c => c is ' ' or '\t' or ',');
            if (i >= header.Length) break;

            var token = ReadWhile(header, ref i, c => c is not (' ' or '\t' or ',' or '='));
            var afterToken = i;
            SkipWhile(header, ref i, c => c is ' ' or '\t');
            var isParameter = scheme is not null && token.Length > 0 && i < header.Length && header[i] == '='
                && (i + 1 >= header.Length || header[i + 1] != '=');
            if (isParameter)
            {
                i++;
                SkipWhile(header, ref i, c => c is ' ' or '\t');
                var value = i < header.Length && header[i] == '"'
                    ? ReadQuoted(header, ref i)
                    : ReadWhile(header, ref i, c => c is not (',' or ' ' or '\t'));
                parameters![token] = value;
                continue;
            }
            if (token.Length == 0)
            {
                // A token68 credential blob ("abc==") carries no parameters a registry uses: skip it.
                SkipWhile(header, ref i, c => c is not ',');
                continue;
            }
            if (scheme is not null && afterToken < header.Length && header[afterToken] == '=')
            {
                SkipWhile(header, ref i, c => c is not ',');
                continue;
            }
            if (scheme is not null) result.Add(new AuthChallenge(scheme, parameters!));
            scheme = token;
            parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        }
        if (scheme is not null) result.Add(new AuthChallenge(scheme, parameters!));
        return result;
    }

    private static void SkipWhile(string s, ref int i, Func<char, bool> predicate)
    {
        while (i < s.Length && predicate(s[i])) i++;
    }

    private static string ReadWhile(string s, ref int i, Func<char, bool> predicate)
    {
        var start = i;
        SkipWhile(s, ref i, predicate);
        return s[start..i];
    }

    private static string ReadQuoted(string s, ref int i)
    {
        var sb = new StringBuilder();
        i++;
        while (i < s.Length && s[i] != '"')
        {
            if (s[i] == '\\' && i + 1 < s.Length) i++;
            sb.Append(s[i++]);
        }
        i++;
        return sb.ToString();
    }
}
