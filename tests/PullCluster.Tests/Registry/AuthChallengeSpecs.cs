using PullCluster.Core.Registry;
using Xunit;

namespace PullCluster.Tests.Registry;

public sealed class AuthChallengeSpecs
{
    [Fact]
    public void Parses_a_docker_hub_bearer_challenge()
    {
        var c = Assert.Single(AuthChallenge.Parse(
            "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/alpine:pull\""));

        Assert.True(c.IsBearer);
        Assert.Equal("https://auth.docker.io/token", c.Realm);
        Assert.Equal("registry.docker.io", c.Service);
        Assert.Equal("repository:library/alpine:pull", c.Scope);
    }

    [Fact]
    public void Keeps_commas_and_escaped_quotes_inside_quoted_values()
    {
        var c = Assert.Single(AuthChallenge.Parse(
            "Bearer realm=\"https://r.example/token\", scope=\"repository:a/b:pull,push\", error=\"insufficient_scope\", note=\"say \\\"hi\\\"\""));

        Assert.Equal("repository:a/b:pull,push", c.Scope);
        Assert.Equal("insufficient_scope", c.Parameters["error"]);
        Assert.Equal("say \"hi\"", c.Parameters["note"]);
    }

    [Fact]
    public void Parses_basic_with_unquoted_values_and_case_insensitive_names()
    {
        var c = Assert.Single(AuthChallenge.Parse("basic REALM=registry"));

        Assert.True(c.IsBasic);
        Assert.Equal("registry", c.Realm);
    }

    [Fact]
    public void Splits_several_challenges_in_one_header()
    {
        var challenges = AuthChallenge.Parse("Basic realm=\"x, y\", Bearer realm=\"https://t/\",service=s, Negotiate abc==");

        Assert.Equal(["Basic", "Bearer", "Negotiate"], challenges.Select(c => c.Scheme));
        Assert.Equal("x, y", challenges[0].Realm);
        Assert.Equal("https://t/", challenges[1].Realm);
        Assert.Equal("s", challenges[1].Service);
        Assert.Empty(challenges[2].Parameters);
    }

    [Fact]
    public void An_empty_header_has_no_challenges() => Assert.Empty(AuthChallenge.Parse("  , "));
}
