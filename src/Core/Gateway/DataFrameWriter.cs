using System.Buffers;

namespace PullCluster.Core.Gateway;

/// <summary>
/// A write-only stream that sends what is written to it as the gateway's data lines: the bytes are gathered into
/// one frame buffer and leave as <c>{"kind":"data","length":N}</c> plus the N bytes whenever it fills, and on
/// <see cref="Flush"/>. Writes are synchronous and block while the socket does, so a slow reader slows the producer
/// down and memory stays at one frame whatever the size of the content. A frame's line and bytes always leave
/// together, so the only way to cut one short is to lose the connection, which the reader sees as a failure.
/// </summary>
public sealed class DataFrameWriter(Stream connection) : Stream
{
    public const int FrameSize = 1 << 20;

    private byte[]? _frame = ArrayPool<byte>.Shared.Rent(FrameSize);
    private int _used;

    /// <summary>Content bytes written so far.</summary>
    public long BytesWritten { get; private set; }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var frame = _frame ?? throw new ObjectDisposedException(nameof(DataFrameWriter));
        while (buffer.Length > 0)
        {
            var n = Math.Min(buffer.Length, FrameSize - _used);
            buffer[..n].CopyTo(frame.AsSpan(_used));
            _used += n;
            buffer = buffer[n..];
            BytesWritten += n;
            if (_used == FrameSize) Flush();
        }
    }

    public override void Flush()
    {
        if (_used == 0 || _frame is null) return;
        connection.Write(GatewayCodec.EncodeReplyLine(new GatewayReply(GatewayKinds.Data, Length: _used)));
        connection.Write(_frame, 0, _used);
        _used = 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (_frame is { } frame) ArrayPool<byte>.Shared.Return(frame);
        _frame = null;
        base.Dispose(disposing);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesWritten; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
