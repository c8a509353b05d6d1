using System.Security.Cryptography;
using System.Text;

namespace PullCluster.Core.Formats;

/// <summary>
/// OCI chain IDs: a layer's identity together with every layer beneath it, so equal chain IDs mean equal unpacked
/// filesystems. ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256("ChainID(Ln-1) DiffID(Ln)") over the "sha256:…" strings.
/// </summary>
public static class ChainIds
{
    public static IReadOnlyList<Digest> Compute(IReadOnlyList<Digest> diffIds)
    {
        var chain = new Digest[diffIds.Count];
        for (var i = 0; i < diffIds.Count; i++)
            chain[i] = i == 0
                ? diffIds[0]
                : Digest.FromHash("sha256", SHA256.HashData(Encoding.ASCII.GetBytes($"{chain[i - 1]} {diffIds[i]}")));
        return chain;
    }
}
