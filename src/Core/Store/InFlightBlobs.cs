using System.Collections.Concurrent;
using PullCluster.Core.Formats;

namespace PullCluster.Core.Store;

/// <summary>
/// The ingests open in one store, by digest, so that a blob can be read (served to peers) while it is still being
/// downloaded: a farm's pull is then one download streamed on, not one download followed by N copies. Every
/// <see cref="BlobIngest"/> registers here; <see cref="ContentStore.OpenRead"/> looks here before blobs/.
/// </summary>
public sealed class InFlightBlobs
{
    private readonly ConcurrentDictionary<Digest, InFlightBlob> _blobs = new();

    /// <summary>The blob being ingested under <paramref name="digest"/>, once its ingest is open for reading; else null.</summary>
    public InFlightBlob? Find(Digest digest) =>
        _blobs.TryGetValue(digest, out var blob) && blob.IsOpen ? blob : null;

    /// <summary>
    /// Claims the digest for an ingest. Two writers of one partial file would interleave their bytes; on Unix the
    /// file's share mode is only advisory between readers and writers, so the claim is what keeps the second out.
    /// </summary>
    internal InFlightBlob Begin(Descriptor blob, string partialPath)
    {
        var entry = new InFlightBlob(this, blob, partialPath);
        if (!_blobs.TryAdd(blob.Digest, entry))
            throw new IOException($"blob {blob.Digest} is already being ingested into this store; only one ingest per digest may be open");
        return entry;
    }

    internal void Remove(InFlightBlob entry) => _blobs.TryRemove(new KeyValuePair<Digest, InFlightBlob>(entry.Digest, entry));
}

/// <summary>
/// One ingest as its readers see it: how many bytes its partial file holds, whether they verified, or why the ingest
/// was abandoned. Readers never deliver the blob's last byte before the ingest verified the digest, so a reader that
/// streams a blob that then fails verification ends short (and its HTTP response is aborted) rather than complete.
/// </summary>
public sealed class InFlightBlob
{
    private enum State { Opening, Writing, Verified, Committed, Failed }

    private readonly InFlightBlobs _owner;
    private long _written;
    private volatile State _state = State.Opening;
    private volatile string? _failure;
    private TaskCompletionSource _changed = NewSignal();

    internal InFlightBlob(InFlightBlobs owner, Descriptor blob, string partialPath)
    {
        _owner = owner;
        Blob = blob;
        PartialPath = partialPath;
    }

    public Descriptor Blob { get; }
    public Digest Digest => Blob.Digest;

    /// <summary>The partial file under ingest/; after the commit it is the blob under blobs/ (the same inode).</summary>
    public string PartialPath { get; }

    /// <summary>Bytes in the partial file, resumed bytes included.</summary>
    public long Written => Interlocked.Read(ref _written);

    public bool IsOpen => _state != State.Opening;
    public bool IsCommitted => _state == State.Committed;

    /// <summary>Why the ingest was abandoned; null while it is open or once committed.</summary>
    public string? Failure => _failure;

    internal void Opened(long resumed)
    {
        Interlocked.Exchange(ref _written, resumed);
        _state = State.Writing;
        Pulse();
    }

    internal void Advance(long bytes)
    {
        Interlocked.Add(ref _written, bytes);
        Pulse();
    }

    internal void Verified()
    {
        _state = State.Verified;
        Pulse();
    }

    internal void Committed()
    {
        _state = State.Committed;
        _owner.Remove(this);
        Pulse();
    }

    /// <summary>Ends the ingest for its readers; they throw <see cref="InFlightBlobAbortedException"/>. No effect once committed.</summary>
    internal void Fail(string reason)
    {
        if (_state is State.Committed or State.Failed) return;
        _failure = reason;
        _state = State.Failed;
        _owner.Remove(this);
        Pulse();
    }

    /// <summary>Bytes a reader may deliver now: all once verified, else what is written less the last byte.</summary>
    private long Deliverable => _state is State.Verified or State.Committed
        ? Blob.Size
        : Math.Max(0, Math.Min(Written, Blob.Size - 1));

    internal void ThrowIfFailed()
    {
        if (_state == State.Failed) throw new InFlightBlobAbortedException(Digest, _failure ?? "abandoned");
    }

    /// <summary>
    /// Waits until a byte at <paramref name="position"/> may be delivered, or, at the blob's end, until the bytes
    /// verified; returns how many bytes may be delivered (the blob's size at the end).
    /// </summary>
    internal async ValueTask<long> WaitDeliverableAsync(long position, CancellationToken ct)
    {
        while (true)
        {
            // Take the signal before reading the state: a change after the read completes this signal.
            var signal = Volatile.Read(ref _changed).Task;
            ThrowIfFailed();
            var verified = _state is State.Verified or State.Committed;
            var deliverable = Deliverable;
            if (verified || position < deliverable) return deliverable;
            await signal.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private void Pulse() => Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override string ToString() => $"in-flight blob {Digest}: {Written} of {Blob.Size} bytes, {_state}";
}
