using System.Text;
using PullCluster.Core.Registry;
using Xunit;

namespace PullCluster.Tests.Registry;

public sealed class BearerTokenReplySpecs
{
    [Fact]
    public void Reads_token_and_expires_in()
    {
        var token = BearerTokens.ParseToken(Encoding.UTF8.GetBytes("""{"token":"abc","expires_in":300}"""), "https://t");

        Assert.Equal("abc", token.Value);
        Assert.InRange(token.RefreshAt - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(260), TimeSpan.FromSeconds(300));
    }

    [Fact]
    public void Reads_an_oauth_access_token_and_defaults_the_lifetime_to_a_minute()
    {
        var token = BearerTokens.ParseToken(Encoding.UTF8.GetBytes("""{"access_token":"xyz"}"""), "https://t");

        Assert.Equal("xyz", token.Value);
        Assert.InRange(token.RefreshAt - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void A_reply_without_a_token_names_the_realm()
    {
        var e = Assert.Throws<TokenFetchFailure>(() => BearerTokens.ParseToken("{}"u8.ToArray(), "https://auth.example/token"));

        Assert.Contains("https://auth.example/token", e.Message);
        Assert.False(e.Transient);
    }
}
