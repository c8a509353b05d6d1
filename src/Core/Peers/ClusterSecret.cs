using System.Security.Cryptography;
using System.Text;

namespace PullCluster.Core.Peers;

/// <summary>
/// The farm's shared secret (<c>--secret-file</c>): what makes a host a member. Nothing uses the secret itself;
/// each use takes its own key derived from it (HKDF), so a key one use exposes (say, to a timing side channel)
/// says nothing about another's.
/// </summary>
public sealed class ClusterSecret
{
    /// <summary>Fewer bytes than this are too easy to guess; `head -c 32 /dev/urandom | base64` gives enough.</summary>
    public const int MinimumBytes = 16;

    private readonly byte[] _secret;

    private ClusterSecret(byte[] secret, string? file)
    {
        _secret = secret;
        File = file;
    }

    /// <summary>Where it was read from; null for an <see cref="Ephemeral"/> secret.</summary>
    public string? File { get; }

    /// <summary>A secret only this process knows: a node without a farm is a cluster nobody else can join.</summary>
    public bool IsEphemeral => File is null;

    /// <summary>Keys for authenticating Akka.Remote peers' certificates (cluster membership).</summary>
    public const string MembershipPurpose = "pullcluster membership certificate v1";

    /// <summary>Keys for signing HTTP requests between peers (blob transfer).</summary>
    public const string PeerHttpPurpose = "pullcluster peer http v1";

    public static ClusterSecret Ephemeral() => new(RandomNumberGenerator.GetBytes(32), null);

    /// <summary>
    /// Reads the secret from <paramref name="path"/>: its bytes with surrounding whitespace trimmed, so a file written by
    /// <c>echo</c> or an editor works. Throws <see cref="ClusterSecretException"/> naming the file.
    /// </summary>
    public static ClusterSecret Read(string path)
    {
        var full = Path.GetFullPath(path);
        byte[] bytes;
        try
        {
            bytes = System.IO.File.ReadAllBytes(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClusterSecretException($"cannot read the cluster secret file {full}: {e.Message}", e);
        }
        var trimmed = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Trim());
        if (trimmed.Length < MinimumBytes)
            throw new ClusterSecretException(
                $"the cluster secret file {full} holds {trimmed.Length} bytes; at least {MinimumBytes} are needed " +
                "(e.g. `head -c 32 /dev/urandom | base64 > FILE`)");
        return new ClusterSecret(trimmed, full);
    }

    /// <summary>A 32-byte key for one purpose, the same on every host holding the same secret.</summary>
    public byte[] Key(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _secret, 32, salt: [], info: Encoding.UTF8.GetBytes(purpose));
}

/// <summary>The cluster secret cannot be used; the message names the file.</summary>
public sealed class ClusterSecretException(string message, Exception? inner = null) : Exception(message, inner);
