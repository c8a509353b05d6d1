namespace PullCluster.Cmd.Output;

/// <summary>The first 12 hex characters of a digest, as docker shows layer and image ids.</summary>
public static class ShortDigest
{
    public static string Of(string digest)
    {
        var hex = digest.IndexOf(':') is var colon and >= 0 ? digest[(colon + 1)..] : digest;
        return hex.Length > 12 ? hex[..12] : hex;
    }
}
