using System.Security.Cryptography;
using System.Text;
using PullCluster.Core.Formats;
using Xunit;

namespace PullCluster.Tests.Formats;

public sealed class ChainIdsSpecs
{
    private static Digest Diff(string content) => Digest.Sha256(Encoding.UTF8.GetBytes(content));

    [Fact]
    public void The_first_chain_id_is_the_first_diff_id_and_each_next_hashes_parent_space_diff()
    {
        var diffs = new[] { Diff("layer0"), Diff("layer1"), Diff("layer2") };

        var chain = ChainIds.Compute(diffs);

        var c1 = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes($"{diffs[0]} {diffs[1]}")));
        var c2 = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes($"{c1} {diffs[2]}")));
        Assert.Equal([diffs[0].ToString(), c1, c2], chain.Select(c => c.ToString()));
    }

    [Fact]
    public void Matches_a_chain_id_computed_independently_with_sha256sum()
    {
        // printf '%s' "sha256:c6f9… sha256:5f70…" | sha256sum
        var diffs = new[]
        {
            Digest.Parse("sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1"),
            Digest.Parse("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"),
        };

        Assert.Equal("sha256:c3191d32a37d7159b2e30830937d2e30268ad6c375a773a8994911a3aba9b93f", ChainIds.Compute(diffs)[1].ToString());
    }

    [Fact]
    public void No_layers_have_no_chain_ids() => Assert.Empty(ChainIds.Compute([]));
}
