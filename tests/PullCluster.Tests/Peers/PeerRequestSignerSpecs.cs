using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PullCluster.Core.Peers;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Peers;

/// <summary>The peer requests' Authorization header: its wire format, and what a receiver refuses.</summary>
public sealed class PeerRequestSignerSpecs : IDisposable
{
    private const string BlobPath = "/pullcluster/v1/blobs/sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private readonly TempDir _dir = TempDir.Create("peer-signer");
    private readonly ClusterSecret _secret;
    private readonly PeerRequestSigner _node1;
    private readonly PeerRequestSigner _node2;

    public PeerRequestSignerSpecs()
    {
        File.WriteAllText(_dir.Combine("a"), "farm-secret-farm-secret-farm-secret\n");
        File.WriteAllText(_dir.Combine("b"), "  farm-secret-farm-secret-farm-secret  ");
        _secret = ClusterSecret.Read(_dir.Combine("a"));
        _node1 = new PeerRequestSigner(_secret, "node-1");
        _node2 = new PeerRequestSigner(ClusterSecret.Read(_dir.Combine("b")), "node-2");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_header_carries_node_timestamp_and_an_HMAC_of_method_path_timestamp_and_node_under_the_peer_http_key()
    {
        var header = _node1.Sign("GET", BlobPath, Now);

        var match = Regex.Match(header, "^PullCluster-HMAC node=\"node-1\", ts=\"1800000000\", sig=\"([A-Za-z0-9+/=]+)\"$");
        Assert.True(match.Success, header);
        var expected = HMACSHA256.HashData(_secret.Key(ClusterSecret.PeerHttpPurpose),
            Encoding.UTF8.GetBytes($"GET\n{BlobPath}\n1800000000\nnode-1"));
        Assert.Equal(Convert.ToBase64String(expected), match.Groups[1].Value);
    }

    [Fact]
    public void A_member_holding_the_same_secret_accepts_the_request_and_learns_who_sent_it()
    {
        var check = _node2.Verify(_node1.Sign("GET", BlobPath, Now), "GET", BlobPath, Now.AddSeconds(3));

        Assert.True(check.IsValid, check.Refusal);
        Assert.Equal("node-1", check.Node);
    }

    [Fact]
    public void A_request_signed_with_another_secret_is_refused()
    {
        var stranger = new PeerRequestSigner(ClusterSecret.Ephemeral(), "node-1");

        var check = _node2.Verify(stranger.Sign("GET", BlobPath, Now), "GET", BlobPath, Now);

        Assert.False(check.IsValid);
        Assert.Contains("does not match", check.Refusal);
    }

    [Theory]
    [InlineData("HEAD", BlobPath)]
    [InlineData("GET", "/pullcluster/v1/blobs/sha256:1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("GET", BlobPath + "?x=1")]
    public void A_signature_does_not_carry_over_to_another_method_or_target(string method, string target)
    {
        var check = _node2.Verify(_node1.Sign("GET", BlobPath, Now), method, target, Now);

        Assert.False(check.IsValid);
        Assert.Contains("does not match", check.Refusal);
    }

    [Theory]
    [InlineData(-300, true)]
    [InlineData(300, true)]
    [InlineData(-301, false)]
    [InlineData(301, false)]
    public void A_timestamp_more_than_300_seconds_from_the_receivers_clock_is_refused(int offsetSeconds, bool accepted)
    {
        var check = _node2.Verify(_node1.Sign("GET", BlobPath, Now.AddSeconds(offsetSeconds)), "GET", BlobPath, Now);

        Assert.Equal(accepted, check.IsValid);
        if (!accepted) Assert.Contains("more than 300 s", check.Refusal);
    }

    [Theory]
    [InlineData(null, "no Authorization header")]
    [InlineData("", "no Authorization header")]
    [InlineData("Bearer abc", "not a PullCluster-HMAC signature")]
    [InlineData("PullCluster-HMAC node=\"node-1\", ts=\"1800000000\"", "malformed")]
    [InlineData("PullCluster-HMAC node=\"node-1\", ts=\"soon\", sig=\"AAAA\"", "malformed")]
    [InlineData("PullCluster-HMAC node=\"node-1\", node=\"node-2\", ts=\"1800000000\", sig=\"AAAA\"", "malformed")]
    [InlineData("PullCluster-HMAC node=\"no\\\"de\", ts=\"1800000000\", sig=\"AAAA\"", "malformed")]
    [InlineData("PullCluster-HMAC node=\"node-1\", ts=\"1800000000\", sig=\"AAAA\", extra=\"1\"", "malformed")]
    [InlineData("PullCluster-HMAC node=\"node-1\", ts=\"1800000000\", sig=\"not base64!\"", "does not match")]
    [InlineData("PullCluster-HMAC node=\"node-1\", ts=\"1800000000\", sig=\"AAAA\"", "does not match")]
    public void Missing_foreign_or_malformed_authorizations_are_refused_with_the_reason(string? header, string reason)
    {
        var check = _node2.Verify(header, "GET", BlobPath, Now);

        Assert.False(check.IsValid);
        Assert.Contains(reason, check.Refusal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("node 1")]
    [InlineData("node\"1")]
    [InlineData("node\\1")]
    [InlineData("nöde")]
    public void A_node_id_that_cannot_travel_in_the_header_is_rejected_when_the_signer_is_made(string node)
    {
        var e = Assert.Throws<ArgumentException>(() => new PeerRequestSigner(_secret, node));
        Assert.Contains("invalid node id", e.Message);
    }
}
