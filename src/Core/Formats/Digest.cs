using System.Security.Cryptography;

namespace PullCluster.Core.Formats;

/// <summary>A content digest such as <c>sha256:9f86…</c>, validated on parse so a bad one never reaches a file path.</summary>
public readonly record struct Digest
{
    public string Algorithm { get; }
    public string Hex { get; }

    private Digest(string algorithm, string hex)
    {
        Algorithm = algorithm;
        Hex = hex;
    }

    public static Digest Parse(string value) =>
        TryParse(value, out var d) ? d : throw new FormatException($"invalid digest '{value}'");

    public static bool TryParse(string? value, out Digest digest)
    {
        digest = default;
        if (string.IsNullOrEmpty(value)) return false;
        var colon = value.IndexOf(':');
        if (colon <= 0) return false;
        var alg = value[..colon];
        var hex = value[(colon + 1)..];
        var expected = alg switch { "sha256" => 64, "sha512" => 128, _ => -1 };
        if (expected < 0 || hex.Length != expected) return false;
        foreach (var c in hex)
            if (c is not (>= '0' and <= '9' or >= 'a' and <= 'f')) return false;
        digest = new Digest(alg, hex);
        return true;
    }

    public static Digest Sha256(ReadOnlySpan<byte> data) => FromHash("sha256", SHA256.HashData(data));

    public static Digest FromHash(string algorithm, ReadOnlySpan<byte> hash) =>
        new(algorithm, Convert.ToHexStringLower(hash));

    public HashAlgorithmName HashAlgorithm => Algorithm switch
    {
        "sha256" => HashAlgorithmName.SHA256,
        "sha512" => HashAlgorithmName.SHA512,
        _ => throw new InvalidOperationException($"unsupported digest algorithm {Algorithm}"),
    };

    public IncrementalHash CreateHasher() => IncrementalHash.CreateHash(HashAlgorithm);

    public bool IsEmpty => Hex is null;

    public override string ToString() => $"{Algorithm}:{Hex}";

    /// <summary>First 12 hex characters, as docker pull shows layer ids.</summary>
    public string Short => Hex.Length > 12 ? Hex[..12] : Hex;
}
