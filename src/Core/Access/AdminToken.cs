using System.Security.Cryptography;
using System.Text;

namespace PullCluster.Core.Access;

/// <summary>
/// The secret that TCP requests must carry. Compared as SHA-256 digests in constant time, so that neither the
/// position of the first wrong byte nor the token's length shows in the time an answer takes.
/// </summary>
public sealed class AdminToken
{
    private readonly byte[] digest;

    private AdminToken(string token) => digest = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>The file's text without the whitespace around it (an editor's final line break).</summary>
    public static AdminToken FromText(string text, string source)
    {
        var token = text.Trim();
        return token.Length > 0 ? new AdminToken(token) : throw new FormatException($"the admin token file {source} is empty");
    }

    /// <summary>Reads the token file; a token file others can read is reported by the caller, not refused here.</summary>
    public static AdminToken Read(string path)
    {
        try
        {
            return FromText(File.ReadAllText(path), path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"cannot read the admin token file {path}: {e.Message}", e);
        }
    }

    public bool Matches(string presented) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), digest);

    public override string ToString() => "AdminToken (redacted)";
}
