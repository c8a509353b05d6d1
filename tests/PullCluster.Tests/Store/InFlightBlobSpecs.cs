using PullCluster.Core.Formats;
using PullCluster.Core.Store;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Store;

/// <summary>
/// Blobs read through <see cref="ContentStore.OpenRead"/> while an ingest writes them: bytes as they arrive, the
/// last byte only once the digest verified, and an abort (never wrong or short bytes) when the ingest is abandoned.
/// </summary>
public sealed class InFlightBlobSpecs : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Moment = TimeSpan.FromMilliseconds(200);

    private readonly TempDir _dir = TempDir.Create("in-flight");
    private readonly ContentStore _store;

    public InFlightBlobSpecs()
    {
        var layout = new StoreLayout(_dir.Combine("store"));
        layout.EnsureCreated();
        _store = new ContentStore(layout);
    }

    public void Dispose() => _dir.Dispose();

    private static (Descriptor Blob, byte[] Bytes) RandomBlob(int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        return (new Descriptor("application/octet-stream", Digest.Sha256(bytes), size), bytes);
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream reader, int count)
    {
        var buffer = new byte[count];
        using var timeout = new CancellationTokenSource(Patience);
        await reader.ReadExactlyAsync(buffer, timeout.Token);
        return buffer;
    }

    private static async Task<byte[]> ReadToEndAsync(Stream reader)
    {
        using var copy = new MemoryStream();
        using var timeout = new CancellationTokenSource(Patience);
        await reader.CopyToAsync(copy, timeout.Token);
        return copy.ToArray();
    }

    [Fact]
    public async Task A_stored_blob_reads_whole_and_from_an_offset()
    {
        var (blob, bytes) = RandomBlob(300_000);
        using (var ingest = _store.OpenIngest(blob))
        {
            await ingest.WriteAsync(bytes, CancellationToken.None);
            ingest.Commit();
        }

        await using var whole = _store.OpenRead(blob.Digest);
        Assert.False(whole.InFlight);
        Assert.Equal(bytes.Length, whole.Length);
        Assert.Equal(bytes, await ReadToEndAsync(whole));

        await using var tail = _store.OpenRead(blob.Digest, 123_456);
        Assert.Equal(bytes[123_456..], await ReadToEndAsync(tail));
    }

    [Fact]
    public async Task An_ingest_is_read_as_it_grows_and_ends_only_once_its_digest_verified()
    {
        var (blob, bytes) = RandomBlob(100_000);
        using var ingest = _store.OpenIngest(blob);
        await using var reader = _store.OpenRead(blob.Digest);
        Assert.True(reader.InFlight);
        Assert.Equal(blob.Size, reader.Length);

        await ingest.WriteAsync(bytes.AsMemory(0, 40_000), CancellationToken.None);
        Assert.Equal(bytes[..40_000], await ReadExactlyAsync(reader, 40_000));

        var waiting = ReadExactlyAsync(reader, 60_000);
        await Task.Delay(Moment);
        Assert.False(waiting.IsCompleted, "a read past the written bytes returned before they were written");

        await ingest.WriteAsync(bytes.AsMemory(40_000), CancellationToken.None);
        await Task.Delay(Moment);
        Assert.False(waiting.IsCompleted, "the last byte was delivered before the digest was verified");

        var path = ingest.Commit();
        Assert.Equal(bytes[40_000..], await waiting);
        Assert.Equal(0, await reader.ReadAsync(new byte[10]));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
        Assert.Null(_store.InFlight.Find(blob.Digest));
    }

    [Fact]
    public async Task A_reader_opened_before_the_commit_reads_on_after_the_partial_file_moved_into_the_store()
    {
        var (blob, bytes) = RandomBlob(70_000);
        using var ingest = _store.OpenIngest(blob);
        await ingest.WriteAsync(bytes.AsMemory(0, 10_000), CancellationToken.None);
        await using var reader = _store.OpenRead(blob.Digest);
        await ingest.WriteAsync(bytes.AsMemory(10_000), CancellationToken.None);
        ingest.Commit();
        Assert.False(File.Exists(_store.Layout.IngestPath(blob.Digest)));

        Assert.Equal(bytes, await ReadToEndAsync(reader));
    }

    [Fact]
    public async Task Bytes_resumed_from_an_earlier_partial_download_are_readable_at_once()
    {
        var (blob, bytes) = RandomBlob(50_000);
        using (var first = _store.OpenIngest(blob))
            await first.WriteAsync(bytes.AsMemory(0, 20_000), CancellationToken.None);
        Assert.Throws<BlobNotFoundException>(() => _store.OpenRead(blob.Digest));

        using var resumed = _store.OpenIngest(blob);
        Assert.Equal(20_000, resumed.Resumed);
        Assert.Equal(20_000, _store.InFlight.Find(blob.Digest)!.Written);
        await using var reader = _store.OpenRead(blob.Digest, 5_000);
        Assert.Equal(bytes[5_000..20_000], await ReadExactlyAsync(reader, 15_000));
    }

    [Fact]
    public async Task A_digest_that_fails_verification_aborts_its_readers_before_the_last_byte()
    {
        var (blob, bytes) = RandomBlob(30_000);
        var wrong = (byte[])bytes.Clone();
        wrong[100] ^= 0xff;
        using var ingest = _store.OpenIngest(blob);
        await using var reader = _store.OpenRead(blob.Digest);
        await ingest.WriteAsync(wrong, CancellationToken.None);
        Assert.Equal(wrong[..29_999], await ReadExactlyAsync(reader, 29_999));
        var last = ReadExactlyAsync(reader, 1);

        Assert.Throws<BlobVerificationException>(() => ingest.Commit());

        var aborted = await Assert.ThrowsAsync<InFlightBlobAbortedException>(() => last);
        Assert.Contains("digest mismatch", aborted.Message);
        Assert.Contains(blob.Digest.ToString(), aborted.Message);
        Assert.Throws<BlobNotFoundException>(() => _store.OpenRead(blob.Digest));
    }

    [Fact]
    public async Task A_reset_aborts_the_readers_of_the_first_attempt_and_new_readers_follow_the_second()
    {
        var (blob, bytes) = RandomBlob(40_000);
        using var ingest = _store.OpenIngest(blob);
        await ingest.WriteAsync(bytes.AsMemory(0, 10_000), CancellationToken.None);
        await using var early = _store.OpenRead(blob.Digest);
        Assert.Equal(bytes[..10_000], await ReadExactlyAsync(early, 10_000));
        var waiting = ReadExactlyAsync(early, 1_000);

        await ingest.ResetAsync(CancellationToken.None);

        var aborted = await Assert.ThrowsAsync<InFlightBlobAbortedException>(() => waiting);
        Assert.Contains("restarted", aborted.Message);
        await using var late = _store.OpenRead(blob.Digest);
        await ingest.WriteAsync(bytes, CancellationToken.None);
        ingest.Commit();
        Assert.Equal(bytes, await ReadToEndAsync(late));
    }

    [Fact]
    public async Task An_ingest_closed_without_commit_aborts_its_readers_and_keeps_its_partial_file()
    {
        var (blob, bytes) = RandomBlob(20_000);
        var ingest = _store.OpenIngest(blob);
        await ingest.WriteAsync(bytes.AsMemory(0, 5_000), CancellationToken.None);
        await using var reader = _store.OpenRead(blob.Digest);
        var waiting = ReadExactlyAsync(reader, 6_000);

        ingest.Dispose();

        await Assert.ThrowsAsync<InFlightBlobAbortedException>(() => waiting);
        Assert.Equal(5_000, new FileInfo(_store.Layout.IngestPath(blob.Digest)).Length);
        Assert.Throws<BlobNotFoundException>(() => _store.OpenRead(blob.Digest));
    }

    [Fact]
    public async Task A_discarded_ingest_aborts_its_readers()
    {
        var (blob, bytes) = RandomBlob(20_000);
        using var ingest = _store.OpenIngest(blob);
        await ingest.WriteAsync(bytes.AsMemory(0, 5_000), CancellationToken.None);
        await using var reader = _store.OpenRead(blob.Digest, 5_000);
        var waiting = ReadExactlyAsync(reader, 100);

        ingest.Discard();

        await Assert.ThrowsAsync<InFlightBlobAbortedException>(() => waiting);
        Assert.False(File.Exists(_store.Layout.IngestPath(blob.Digest)));
    }

    [Fact]
    public async Task A_read_waiting_for_bytes_stops_when_cancelled()
    {
        var (blob, _) = RandomBlob(1_000);
        using var ingest = _store.OpenIngest(blob);
        await using var reader = _store.OpenRead(blob.Digest);
        using var cancel = new CancellationTokenSource(Moment);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => _ = await reader.ReadAsync(new byte[10], cancel.Token));
    }

    [Fact]
    public async Task A_second_ingest_of_the_same_digest_is_refused_and_the_first_completes_unharmed()
    {
        var (blob, bytes) = RandomBlob(10_000);
        using var first = _store.OpenIngest(blob);
        await first.WriteAsync(bytes.AsMemory(0, 4_000), CancellationToken.None);

        var refused = Assert.Throws<IOException>(() => _store.OpenIngest(blob));
        Assert.Contains(blob.Digest.ToString(), refused.Message);

        await first.WriteAsync(bytes.AsMemory(4_000), CancellationToken.None);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(first.Commit()));
    }

    [Fact]
    public void A_blob_neither_stored_nor_in_flight_is_not_found()
    {
        var (blob, _) = RandomBlob(10);
        var missing = Assert.Throws<BlobNotFoundException>(() => _store.OpenRead(blob.Digest));
        Assert.Contains(blob.Digest.ToString(), missing.Message);
    }

    [Fact]
    public async Task An_empty_blob_in_flight_ends_once_committed()
    {
        var (blob, _) = RandomBlob(0);
        using var ingest = _store.OpenIngest(blob);
        await using var reader = _store.OpenRead(blob.Digest);
        var end = reader.ReadAsync(new byte[10]).AsTask();
        await Task.Delay(Moment);
        Assert.False(end.IsCompleted, "an empty blob ended before its digest was verified");

        ingest.Commit();
        Assert.Equal(0, await end.WaitAsync(Patience));
    }
}
