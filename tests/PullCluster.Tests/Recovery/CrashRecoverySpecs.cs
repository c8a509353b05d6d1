using PullCluster.Core.Formats;
using PullCluster.Core.Gateway;
using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static PullCluster.Tests.Recovery.LayerProgressStates;

namespace PullCluster.Tests.Recovery;

/// <summary>
/// A node SIGKILLed in the middle of a pull (downloading, unpacking, between a layer's commit and its journal
/// record, with two pulls sharing layers) is restarted on the same store: the pull resumes, a new pull of the same
/// image attaches to it, nothing held before the kill is fetched again, and the rootfs equals umoci's unpack.
/// </summary>
public abstract class CrashRecoverySpecs(RecoveryFixture fixture, ITestOutputHelper output) : RecoveryRunSpecs(output)
{
    private const long Slow = 3L << 20;
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

    private AccessLog RegistryLog => fixture.Registry.AccessLog;

    [Fact]
    public async Task Killed_mid_download_it_resumes_the_partial_blob_and_fetches_only_what_it_lacked()
    {
        var app = await fixture.App;
        await using var proxy = FaultProxy.Start(fixture.Registry);
        BlobFetches.SlowDown(proxy, app.LayerDigests.Take(2), Slow);
        var image = app.Via(proxy);
        var start = RegistryLog.Mark();

        var node = await Run.StartNodeAsync();
        var kill = KillSwitch.When(node, p => Fraction(p) >= 0.5 && p.Layers.Any(InFlight) && !p.Layers.Any(Starting));
        var interrupted = await node.PullAsync(image, kill.Observe);
        var atKill = kill.AtKill.Values.Single();
        Assert.True(interrupted.Interrupted, $"the pull ended before the kill: {interrupted.Final}");
        Assert.Equal(137, node.ExitCode);

        var partials = Run.Files.Partials();
        var inFlight = atKill.Layers.Where(InFlight).Select(l => Digest.Parse(l.Digest)).ToList();
        Assert.All(inFlight, d => Assert.True(partials.GetValueOrDefault(d) > 0, $"no partial download of {d} survived the kill"));
        var missing = BlobFetches.StillMissing(app.Blobs, Run.Files, partials);
        var restart = BlobFetches.Mark(proxy);
        proxy.ClearFaults();

        var restarted = await Run.StartNodeAsync();
        var resumed = await restarted.PullAsync(image);
        var restartToDone = restarted.Uptime;
        var result = resumed.Result;
        await RegistryLog.WaitForQuietAsync();

        Assert.Contains($"resuming the pull of {image}", restarted.Log);
        Assert.Equal(app.Image.Digest.ToString(), result.ManifestDigest);
        BlobFetches.AssertServedOnceOrResumed(RegistryLog.BlobGets(start), proxy, app.Blobs, partials);
        var servedAfter = BlobFetches.BytesSince(proxy, restart);
        Assert.Equal(missing, servedAfter);
        Assert.Equal(servedAfter, result.BytesFetched);
        Assert.True(servedAfter < app.BlobBytes, $"{servedAfter} bytes served after the restart, the whole image is {app.BlobBytes}");
        await Run.AssertRootfsEqualsAsync(restarted, image, await fixture.ExpectedRootfsAsync(app));
        await AssertAttachedToTheResumedPullAsync(restarted, image);

        var cold = await Run.StartNodeAsync(store: Run.NewStore("cold"));
        var coldResult = (await cold.PullAsync(image)).Result;
        var coldToDone = cold.Uptime;
        Assert.Equal(result.ManifestDigest, coldResult.ManifestDigest);
        var receivedBefore = BlobFetches.BytesBefore(proxy, restart);
        Run.WriteLine($"[{Journal}] image {app.BlobBytes} blob bytes; killed at {Fraction(atKill):P0}: {NodeProcess.Describe(atKill)}");
        Run.WriteLine($"[{Journal}] received before the kill {receivedBefore}, held after it {app.BlobBytes - missing}, " +
            $"served after the restart {servedAfter} ({(double)servedAfter / app.BlobBytes:P1} of the image), " +
            $"fetched twice {receivedBefore + servedAfter - app.BlobBytes}");
        Run.WriteLine($"[{Journal}] restart to pull complete {restartToDone.TotalSeconds:F2} s (node start {restarted.StartupTime.TotalSeconds:F2} s); " +
            $"a cold node pulling the whole image {coldToDone.TotalSeconds:F2} s (node start {cold.StartupTime.TotalSeconds:F2} s)");
    }

    [Fact]
    public async Task Killed_while_unpacking_it_discards_the_staged_unpacks_and_fetches_nothing_again()
    {
        var app = await fixture.App;
        await using var proxy = FaultProxy.Start(fixture.Registry);
        var image = app.Via(proxy);
        var start = RegistryLog.Mark();

        var node = await Run.StartNodeAsync();
        var kill = KillSwitch.When(node, p => p.Layers.All(BlobHeld) && p.Layers.Any(l => l.State == LayerStates.Extracting));
        var interrupted = await node.PullAsync(image, kill.Observe);
        var atKill = kill.AtKill.Values.Single();
        Assert.True(interrupted.Interrupted, $"the pull ended before the kill: {interrupted.Final}");
        var staged = Run.Files.StagingEntries();
        Assert.True(staged.Count > 0, $"the kill left nothing in {Run.Files.Staging}: it did not land during an unpack ({NodeProcess.Describe(atKill)})");
        var restart = BlobFetches.Mark(proxy);

        var restarted = await Run.StartNodeAsync();
        var result = (await restarted.PullAsync(image)).Result;
        await RegistryLog.WaitForQuietAsync();

        Assert.Equal(app.Image.Digest.ToString(), result.ManifestDigest);
        Assert.Contains("unfinished layer unpacks", restarted.Log);
        var gets = RegistryLog.GetsPerBlob(start);
        Assert.All(app.Blobs, b => Assert.Equal(1, gets.GetValueOrDefault(b.Digest)));
        Assert.Equal(0, BlobFetches.BytesSince(proxy, restart));
        Assert.Empty(Run.Files.StagingEntries());
        await Run.AssertRootfsEqualsAsync(restarted, image, await fixture.ExpectedRootfsAsync(app));
        Run.WriteLine($"[{Journal}] killed with {staged.Count} staging entries: {NodeProcess.Describe(atKill)}");
    }

    [Fact]
    public async Task Killed_between_a_layer_commit_and_its_journal_record_it_adopts_the_committed_layer()
    {
        var app = await fixture.App;
        await using var proxy = FaultProxy.Start(fixture.Registry);
        var image = app.Via(proxy);
        var start = RegistryLog.Mark();

        var node = await Run.StartNodeAsync(new Dictionary<string, string> { ["PULLCLUSTER_FAILPOINT"] = "after-layer-commit" });
        var interrupted = await node.PullAsync(image);
        Assert.True(interrupted.Interrupted, $"the pull ended although the failpoint was armed: {interrupted.Final}");
        Assert.Equal(137, await node.WaitForExitAsync(ExitTimeout));
        Assert.Contains("failpoint after-layer-commit", node.Log);
        Assert.Equal([app.ChainIds[0].Hex], Run.Files.LayerDirectories());
        var partials = Run.Files.Partials();

        var restarted = await Run.StartNodeAsync();
        var ready = await JournalReadyLine.OfAsync(restarted);
        var result = (await restarted.PullAsync(image)).Result;
        await RegistryLog.WaitForQuietAsync();

        Assert.Equal(1, ready.LayersAdopted);
        Assert.Equal(0, ready.LayersForgotten);
        Assert.Equal(1, ready.Pulls);
        Assert.Equal(app.Image.Digest.ToString(), result.ManifestDigest);
        BlobFetches.AssertServedOnceOrResumed(RegistryLog.BlobGets(start), proxy, app.Blobs, partials);
        await Run.AssertRootfsEqualsAsync(restarted, image, await fixture.ExpectedRootfsAsync(app));
    }

    [Fact]
    public async Task Killed_during_two_pulls_sharing_layers_it_resumes_both_and_serves_each_shared_blob_once()
    {
        var app = await fixture.App;
        var tools = await fixture.Tools;
        await using var proxy = FaultProxy.Start(fixture.Registry);
        var shared = app.LayerDigests.Intersect(tools.LayerDigests).ToList();
        Assert.Equal(3, shared.Count);
        BlobFetches.SlowDown(proxy, shared.Take(2), Slow);
        var (appImage, toolsImage) = (app.Via(proxy), tools.Via(proxy));
        var blobs = app.Blobs.Concat(tools.Blobs).DistinctBy(b => b.Digest).ToList();
        var start = RegistryLog.Mark();

        var node = await Run.StartNodeAsync();
        var kill = new KillSwitch(node, latest => latest.Count == 2
            && latest.Values.All(p => Fraction(p) >= 0.5 && !p.Layers.Any(Starting))
            && latest.Values.Any(p => p.Layers.Any(InFlight)));
        var interrupted = await Task.WhenAll(node.PullAsync(appImage, kill.Observe), node.PullAsync(toolsImage, kill.Observe));
        var atKill = kill.AtKill;
        Assert.All(interrupted, p => Assert.True(p.Interrupted, $"a pull ended before the kill: {p.Final}"));
        var partials = Run.Files.Partials();
        var missing = BlobFetches.StillMissing(blobs, Run.Files, partials);
        var restart = BlobFetches.Mark(proxy);
        proxy.ClearFaults();

        var restarted = await Run.StartNodeAsync();
        var resumed = await Task.WhenAll(restarted.PullAsync(appImage), restarted.PullAsync(toolsImage));
        var restartToDone = restarted.Uptime;
        await RegistryLog.WaitForQuietAsync();

        Assert.Equal(app.Image.Digest.ToString(), resumed[0].Result.ManifestDigest);
        Assert.Equal(tools.Image.Digest.ToString(), resumed[1].Result.ManifestDigest);
        Assert.Contains($"resuming the pull of {appImage}", restarted.Log);
        Assert.Contains($"resuming the pull of {toolsImage}", restarted.Log);
        BlobFetches.AssertServedOnceOrResumed(RegistryLog.BlobGets(start), proxy, blobs, partials);
        Assert.Equal(missing, BlobFetches.BytesSince(proxy, restart));
        Assert.Equal(missing, resumed.Sum(r => r.Result.BytesFetched));
        await Run.AssertRootfsEqualsAsync(restarted, appImage, await fixture.ExpectedRootfsAsync(app));
        await Run.AssertRootfsEqualsAsync(restarted, toolsImage, await fixture.ExpectedRootfsAsync(tools));
        await AssertAttachedToTheResumedPullAsync(restarted, appImage);
        await AssertAttachedToTheResumedPullAsync(restarted, toolsImage);
        foreach (var (name, progress) in atKill) Run.WriteLine($"[{Journal}] {name} at the kill: {NodeProcess.Describe(progress)}");
        Run.WriteLine($"[{Journal}] {blobs.Sum(b => b.Size)} distinct blob bytes; {missing} fetched after the restart; " +
            $"both pulls complete {restartToDone.TotalSeconds:F2} s after it");
    }

    /// <summary>
    /// The pull sent after the restart joined the resumed one rather than running a second time: the node pulled the
    /// image once. (The gateway answers pings before the journal is ready, and pulls wait for it, so the request
    /// always finds the resumed pull running.) Called a while after the pull's reply, as the node logs asynchronously.
    /// </summary>
    private static async Task AssertAttachedToTheResumedPullAsync(NodeProcess node, string image)
    {
        var pulled = $"pulled {image} (";
        await node.WaitForLogAsync(pulled, TimeSpan.FromSeconds(10));
        Assert.Single(node.LogLines, l => l.Contains(pulled, StringComparison.Ordinal));
    }
}

[Collection(RecoveryCollection.Name)]
public sealed class CrashRecoveryOnSqliteSpecs(RecoveryFixture fixture, ITestOutputHelper output) : CrashRecoverySpecs(fixture, output)
{
    protected override JournalKind Journal => JournalKind.Sqlite;
}

[Collection(RecoveryCollection.Name)]
public sealed class CrashRecoveryOnPostgresSpecs(RecoveryFixture fixture, ITestOutputHelper output) : CrashRecoverySpecs(fixture, output)
{
    protected override JournalKind Journal => JournalKind.Postgres;
}
