using PullCluster.Actors.Farm;
using Xunit;

namespace PullCluster.Tests.Farm;

/// <summary>The blob authority's choices: one registry fetcher per blob, spread over the askers, peers for the rest.</summary>
public sealed class BlobSourcesSpecs
{
    private const string Digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    private static FarmNode Node(int i) => new($"akka.ssl.tcp://pullcluster@127.0.0.{10 + i}:4000", $"http://127.0.0.{10 + i}:5000");

    private static AcquireBlob Ask(int node, params string[] excluded) => new(Digest, 100, Node(node), excluded);

    [Fact]
    public void Of_requesters_asking_together_exactly_one_fetches_and_the_others_take_it_from_that_one()
    {
        var sources = new BlobSources(Digest);

        var answers = sources.AssignTogether([Ask(1), Ask(2), Ask(3)]);

        var fetchers = answers.OfType<FetchFromRegistry>().ToList();
        Assert.Single(fetchers);
        var fetcher = Node(answers.ToList().FindIndex(a => a is FetchFromRegistry) + 1);
        Assert.All(answers.OfType<FetchFromPeer>(), a => Assert.Equal(fetcher, a.Source));
        Assert.Equal(2, answers.OfType<FetchFromPeer>().Count());
    }

    [Fact]
    public void Across_many_blobs_the_registry_fetches_spread_over_the_requesters()
    {
        var fetchersPerNode = new int[3];
        for (var b = 0; b < 60; b++)
        {
            var digest = $"sha256:{b:x64}";
            var sources = new BlobSources(digest);
            var answers = sources.AssignTogether([.. Enumerable.Range(1, 3).Select(n => new AcquireBlob(digest, 1, Node(n), []))]);
            fetchersPerNode[answers.ToList().FindIndex(a => a is FetchFromRegistry)]++;
        }

        Assert.All(fetchersPerNode, n => Assert.InRange(n, 10, 35));
    }

    [Fact]
    public void Asking_again_gets_the_same_answer()
    {
        var sources = new BlobSources(Digest);
        var first = sources.AssignTogether([Ask(1), Ask(2)]);

        Assert.Equal(first[0], sources.Assign(Ask(1)));
        Assert.Equal(first[1], sources.Assign(Ask(2)));
    }

    [Fact]
    public void A_known_holder_is_a_source_and_nobody_fetches_from_the_registry()
    {
        var sources = new BlobSources(Digest);
        sources.Learned(new Holding(Digest, Node(3), HoldingState.Complete));

        var answers = sources.AssignTogether([Ask(1), Ask(2)]);

        Assert.All(answers, a => Assert.Equal(new FetchFromPeer(Digest, Node(3)), a));
    }

    [Fact]
    public void A_node_still_receiving_when_asked_is_a_source()
    {
        var sources = new BlobSources(Digest);
        sources.Learned(new Holding(Digest, Node(2), HoldingState.Receiving));

        Assert.Equal(new FetchFromPeer(Digest, Node(2)), sources.Assign(Ask(1)));
    }

    [Fact]
    public void A_requester_whose_only_source_failed_it_fetches_from_the_registry()
    {
        var sources = new BlobSources(Digest);
        sources.AssignTogether([Ask(1), Ask(2)]);
        var fetcher = sources.Fetchers.Single();
        var receiver = fetcher == Node(1).Address ? 2 : 1;

        var answer = sources.Assign(Ask(receiver, fetcher));

        Assert.Equal(new FetchFromRegistry(Digest), answer);
    }

    [Fact]
    public void When_the_fetcher_is_gone_the_next_requester_takes_the_fetch_over()
    {
        var sources = new BlobSources(Digest);
        sources.AssignTogether([Ask(1), Ask(2), Ask(3)]);
        var fetcher = sources.Fetchers.Single();

        sources.Gone(fetcher);
        var next = Enumerable.Range(1, 3).First(n => Node(n).Address != fetcher);

        Assert.Equal(new FetchFromRegistry(Digest), sources.Assign(Ask(next)));
        Assert.DoesNotContain(fetcher, sources.Receivers.Values);
    }

    [Fact]
    public void A_holder_feeds_up_to_the_fan_out_before_receivers_serve_each_other()
    {
        var sources = new BlobSources(Digest);
        sources.Held(Node(0));

        var answers = Enumerable.Range(1, BlobSources.FanOut + 1).Select(n => sources.Assign(Ask(n))).Cast<FetchFromPeer>().ToList();

        Assert.All(answers.Take(BlobSources.FanOut), a => Assert.Equal(Node(0), a.Source));
        Assert.NotEqual(Node(0), answers[^1].Source);
    }

    [Fact]
    public void A_node_that_holds_the_blob_is_no_longer_a_receiver_or_fetcher()
    {
        var sources = new BlobSources(Digest);
        sources.AssignTogether([Ask(1), Ask(2)]);

        sources.Held(Node(1));
        sources.Held(Node(2));

        Assert.False(sources.IsBusy);
        Assert.Equal(2, sources.Holders.Count);
    }

    [Fact]
    public void A_node_that_serves_nothing_is_never_made_the_source_of_others()
    {
        var sources = new BlobSources(Digest);
        var silent = new FarmNode("akka.ssl.tcp://pullcluster@127.0.0.30:4000", "");

        var answers = sources.AssignTogether([new AcquireBlob(Digest, 1, silent, []), Ask(1)]);

        Assert.Equal(new FetchFromRegistry(Digest), answers[1]);
        Assert.Equal(new FetchFromPeer(Digest, Node(1)), answers[0]);
    }

    [Fact]
    public void Survivors_of_a_dead_fetcher_are_not_told_to_take_the_blob_from_each_other()
    {
        var sources = new BlobSources(Digest);
        sources.Held(Node(0));
        for (var n = 1; n <= BlobSources.FanOut + 2; n++) sources.Assign(Ask(n));
        var dead = Node(0).Address;

        // Every receiver finds the holder gone before the authority hears of it.
        var first = sources.Assign(Ask(1, dead));
        var second = sources.Assign(Ask(2, dead));

        Assert.Equal(new FetchFromRegistry(Digest), first);
        Assert.Equal(new FetchFromPeer(Digest, Node(1)), second);
    }

    [Fact]
    public void A_receiver_is_never_given_a_source_that_receives_from_it()
    {
        var sources = new BlobSources(Digest);
        sources.Held(Node(0));
        for (var n = 1; n <= BlobSources.FanOut; n++) sources.Assign(Ask(n));
        var relay = Assert.IsType<FetchFromPeer>(sources.Assign(Ask(BlobSources.FanOut + 1))).Source;
        var relayIndex = Enumerable.Range(1, BlobSources.FanOut).Single(n => Node(n) == relay);

        // The relay loses the holder; the only node still "receiving" near it receives from the relay itself.
        var answer = sources.Assign(Ask(relayIndex, Node(0).Address));

        Assert.Equal(new FetchFromRegistry(Digest), answer);
    }

    [Fact]
    public void A_node_restarted_on_the_address_of_a_failed_one_is_a_source_for_those_that_excluded_the_failed_one()
    {
        var sources = new BlobSources(Digest);
        var before = Node(1) with { Uid = 1 };
        var after = Node(1) with { Uid = 2 };
        sources.AssignTogether([new AcquireBlob(Digest, 100, before, [])]);
        sources.Gone(before.Key);

        Assert.Equal(new FetchFromRegistry(Digest), sources.Assign(new AcquireBlob(Digest, 100, after, [])));
        Assert.Equal(new FetchFromPeer(Digest, after), sources.Assign(new AcquireBlob(Digest, 100, Node(2), [before.Key])));
    }
}
