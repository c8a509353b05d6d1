namespace PullCluster.Core.Layers;

/// <summary>Counts the compressed bytes read, for the expansion-ratio bound; never disposes the stream it reads.</summary>
internal sealed class CountingStream(Stream inner) : ReadOnlyStream
{
    public long BytesRead { get; private set; }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        BytesRead += n;
        return n;
    }

}
