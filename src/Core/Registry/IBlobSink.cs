namespace PullCluster.Core.Registry;

/// <summary>Where blob bytes go; the content store implements it and verifies the digest.</summary>
public interface IBlobSink
{
    /// <summary>Bytes already held: a fetch resumes from here with a Range request.</summary>
    long Offset { get; }

    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct);

    /// <summary>The server ignored Range and is sending the whole blob again: drop what is held.</summary>
    ValueTask ResetAsync(CancellationToken ct);
}
