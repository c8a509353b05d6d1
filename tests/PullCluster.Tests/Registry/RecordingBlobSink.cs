using PullCluster.Core.Registry;

namespace PullCluster.Tests.Registry;

/// <summary>An in-memory blob sink that remembers how it was used.</summary>
public sealed class RecordingBlobSink : IBlobSink
{
    private readonly MemoryStream _bytes = new();

    public RecordingBlobSink(byte[]? held = null)
    {
        if (held is not null) _bytes.Write(held);
    }

    public long Offset => _bytes.Length;
    public int Resets { get; private set; }
    public int Writes { get; private set; }
    public byte[] Bytes => _bytes.ToArray();

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        _bytes.Write(data.Span);
        Writes++;
        return ValueTask.CompletedTask;
    }

    public ValueTask ResetAsync(CancellationToken ct)
    {
        _bytes.SetLength(0);
        Resets++;
        return ValueTask.CompletedTask;
    }
}
