using System.Diagnostics;
using System.Security.Cryptography;
using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.Recovery;

/// <summary>
/// A store of 100,000 verified blobs: the first start adopts them all into the journal, the second recovers them
/// from it; both must leave the node serving pulls in reasonable time. The measured figures go to the test output.
/// </summary>
public abstract class JournalScaleSpecs(RecoveryFixture fixture, ITestOutputHelper output) : RecoveryRunSpecs(output)
{
    private const int BlobCount = 100_000;
    private static readonly TimeSpan AdoptionBound = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_journal_of_100000_blobs_is_recovered_and_the_node_serves_pulls_within_a_minute()
    {
        var tiny = await fixture.Tiny;
        var image = tiny.Direct(fixture.Registry);
        var writing = Stopwatch.StartNew();
        await Task.Run(() => WriteTinyBlobs(Run.Store, BlobCount));
        Run.WriteLine($"[{Journal}] wrote {BlobCount} blob files in {writing.Elapsed.TotalSeconds:F1} s");

        var first = await Run.StartNodeAsync(startTimeout: AdoptionBound);
        var adoption = await Measure(first, image, AdoptionBound);
        Assert.Equal(BlobCount, adoption.Ready.BlobsAdopted);
        await first.StopAsync(TimeSpan.FromSeconds(60));

        var second = await Run.StartNodeAsync(startTimeout: RecoveryBound);
        var recovery = await Measure(second, image, RecoveryBound);

        Assert.True(recovery.Ready.Blobs >= BlobCount, $"the journal recovered {recovery.Ready.Blobs} blobs, {BlobCount} were recorded");
        Assert.Equal(0, recovery.Ready.BlobsForgotten);
        Assert.Equal(0, recovery.Ready.UnreadableRows);
        Assert.True(recovery.PullDone < RecoveryBound, $"the restarted node completed a pull only {recovery.PullDone.TotalSeconds:F1} s after start");
        Run.WriteLine($"[{Journal}] first start (adopting {BlobCount} blobs): {adoption}");
        Run.WriteLine($"[{Journal}] second start (recovering {recovery.Ready.Blobs} blobs): {recovery}");
    }

    private static async Task<StartFigures> Measure(NodeProcess node, string image, TimeSpan bound)
    {
        var ready = JournalReadyLine.Parse(await node.WaitForLogAsync(JournalReadyLine.Marker, bound));
        var readyAt = node.Uptime;
        var result = (await node.PullAsync(image, timeout: bound)).Result;
        return new StartFigures(node.StartupTime, readyAt, node.Uptime, ready, result.Seconds);
    }

    private sealed record StartFigures(TimeSpan Ping, TimeSpan ReadyLineSeen, TimeSpan PullDone, JournalReadyLine Ready, double PullSeconds)
    {
        public override string ToString() =>
            $"ping after {Ping.TotalSeconds:F2} s, journal ready logged by {ReadyLineSeen.TotalSeconds:F2} s " +
            $"(recovered in {Ready.RecoveredMs} ms, reconciled in {Ready.ReconciledMs} ms), a pull done {PullDone.TotalSeconds:F2} s after start " +
            $"(the pull itself {PullSeconds:F2} s)";
    }

    /// <summary>Blob files as the content store keeps them: 8 random bytes each, named by their sha256.</summary>
    private static void WriteTinyBlobs(string store, int count)
    {
        // A plain handle write: File.WriteAllBytes took four times as long for 100,000 files on this machine (20 s against 5 s).
        var dir = Directory.CreateDirectory(Path.Combine(store, "blobs", "sha256")).FullName;
        for (var i = 0; i < count; i++)
        {
            var content = RandomNumberGenerator.GetBytes(8);
            using var file = File.OpenHandle(Path.Combine(dir, Convert.ToHexStringLower(SHA256.HashData(content))), FileMode.CreateNew, FileAccess.Write);
            RandomAccess.Write(file, content, 0);
        }
    }
}

[Collection(RecoveryCollection.Name)]
public sealed class JournalScaleOnSqliteSpecs(RecoveryFixture fixture, ITestOutputHelper output) : JournalScaleSpecs(fixture, output)
{
    protected override JournalKind Journal => JournalKind.Sqlite;
}

[Collection(RecoveryCollection.Name)]
public sealed class JournalScaleOnPostgresSpecs(RecoveryFixture fixture, ITestOutputHelper output) : JournalScaleSpecs(fixture, output)
{
    protected override JournalKind Journal => JournalKind.Postgres;
}
