using PullCluster.Core.Formats;
using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.Recovery;

/// <summary>
/// The disk wins over the journal: content that vanished or rotted while the node was down is forgotten at the next
/// start, fetched again by the next pull (and nothing else is), and the image comes out whole.
/// </summary>
public abstract class ReconciliationSpecs(RecoveryFixture fixture, ITestOutputHelper output) : RecoveryRunSpecs(output)
{
    private static readonly TimeSpan VerifyTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Deleted_and_corrupt_content_is_forgotten_at_start_and_fetched_again_by_the_next_pull()
    {
        var app = await fixture.App;
        var image = app.Direct(fixture.Registry);
        var node = await Run.StartNodeAsync();
        _ = (await node.PullAsync(image)).Result;
        await node.StopAsync();
        Assert.Equal(0, node.ExitCode);

        var deleted = app.LayerDigests[1];
        var corrupt = app.LayerDigests[2];
        var droppedLayer = app.ChainIds[3];
        File.Delete(Run.Files.BlobPath(deleted));
        FlipMiddleByte(Run.Files.BlobPath(corrupt));
        Directory.Delete(Run.Files.LayerPath(droppedLayer), recursive: true);
        var log = fixture.Registry.AccessLog;
        var restart = log.Mark();

        var restarted = await Run.StartNodeAsync();
        var ready = await JournalReadyLine.OfAsync(restarted);
        await restarted.WaitForLogAsync($"ContentForgotten {{ Kind = blob, Id = {corrupt}", VerifyTimeout);
        Assert.Equal((1, 1), (ready.BlobsForgotten, ready.LayersForgotten));
        Assert.Contains($"ContentForgotten {{ Kind = blob, Id = {deleted}", restarted.Log);
        Assert.Contains($"ContentForgotten {{ Kind = layer, Id = {droppedLayer}", restarted.Log);
        Assert.False(File.Exists(Run.Files.BlobPath(corrupt)), $"the corrupt blob {corrupt} is still in the store");

        var result = (await restarted.PullAsync(image)).Result;
        await log.WaitForQuietAsync();

        Assert.Equal(app.Image.Digest.ToString(), result.ManifestDigest);
        var fetched = log.GetsPerBlob(restart).Select(kv => $"{kv.Key} x{kv.Value}").Order(StringComparer.Ordinal).ToList();
        var expected = new[] { deleted, corrupt }.Select(d => $"{d} x1").Order(StringComparer.Ordinal).ToList();
        Assert.True(expected.SequenceEqual(fetched),
            $"the pull after the restart must fetch exactly the forgotten blobs, {deleted} (deleted) and {corrupt} (corrupt), once each; " +
            $"it fetched [{string.Join(", ", fetched)}]");
        Assert.True(Run.Files.HasBlob(deleted) && Run.Files.HasBlob(corrupt), "the pull did not put the forgotten blobs back in the store");
        await Run.AssertRootfsEqualsAsync(restarted, image, await fixture.ExpectedRootfsAsync(app));
    }

    private static void FlipMiddleByte(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = file.Length / 2;
        var b = file.ReadByte();
        file.Position = file.Length / 2;
        file.WriteByte((byte)(b ^ 0xFF));
    }
}

[Collection(RecoveryCollection.Name)]
public sealed class ReconciliationOnSqliteSpecs(RecoveryFixture fixture, ITestOutputHelper output) : ReconciliationSpecs(fixture, output)
{
    protected override JournalKind Journal => JournalKind.Sqlite;
}

[Collection(RecoveryCollection.Name)]
public sealed class ReconciliationOnPostgresSpecs(RecoveryFixture fixture, ITestOutputHelper output) : ReconciliationSpecs(fixture, output)
{
    protected override JournalKind Journal => JournalKind.Postgres;
}
