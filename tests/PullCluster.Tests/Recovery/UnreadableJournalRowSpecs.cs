using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.Recovery;

/// <summary>A journal row that no longer parses is reported and dropped; it never keeps a node from starting.</summary>
[Collection(RecoveryCollection.Name)]
public sealed class UnreadableJournalRowSpecs(RecoveryFixture fixture, ITestOutputHelper output) : RecoveryRunSpecs(output)
{
    protected override JournalKind Journal => JournalKind.Sqlite;

    [Fact]
    public async Task A_corrupt_event_payload_in_the_sqlite_journal_is_dropped_with_a_warning_and_the_node_still_pulls()
    {
        var tiny = await fixture.Tiny;
        var image = tiny.Direct(fixture.Registry);
        var node = await Run.StartNodeAsync();
        _ = (await node.PullAsync(image)).Result;
        await node.StopAsync();

        new SqliteJournalFile(Run.Files.JournalDb).CorruptFirstPayload("blob-recorded.v1", "{\"digest\": \u0000 not json"u8.ToArray());
        var log = fixture.Registry.AccessLog;
        var restart = log.Mark();

        var restarted = await Run.StartNodeAsync();
        var ready = await JournalReadyLine.OfAsync(restarted);
        var result = (await restarted.PullAsync(image)).Result;
        await log.WaitForQuietAsync();

        Assert.Equal(1, ready.UnreadableRows);
        Assert.Contains("dropped an unreadable store journal row (blob-recorded.v1", restarted.Log);
        Assert.True(ready.BlobsAdopted >= 1, "the blob whose record was dropped was not adopted from the disk again");
        Assert.Equal(tiny.Image.Digest.ToString(), result.ManifestDigest);
        Assert.Empty(log.GetsPerBlob(restart));
    }
}
