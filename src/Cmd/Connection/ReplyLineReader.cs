namespace PullCluster.Cmd.Connection;

/// <summary>
/// Splits the node's reply stream into lines of UTF-8 bytes, which the codec reads as they are: no text
/// decoding and no reader buffers beyond one that grows to the longest line.
/// </summary>
public sealed class ReplyLineReader(Stream stream)
{
    // An image list is one line; a line this long means the stream is not the gateway's.
    private const int MaxLine = 64 * 1024 * 1024;

    private byte[] buffer = new byte[4096];
    private int start;
    private int end;
    private bool closed;

    /// <summary>The next line without its line break, or null once the node has closed the connection.
    /// A last line without a line break is returned as a line.</summary>
    public ReadOnlyMemory<byte>? ReadLine()
    {
        // Counted from start, which Fill moves when it compacts the buffer.
        var scanned = 0;
        while (true)
        {
            var newline = Array.IndexOf(buffer, (byte)'\n', start + scanned, end - start - scanned);
            if (newline >= 0)
            {
                var line = Trim(start, newline);
                start = newline + 1;
                return line;
            }
            scanned = end - start;
            if (closed || !Fill())
            {
                closed = true;
                if (start == end) return null;
                var last = Trim(start, end);
                start = end;
                return last;
            }
        }
    }

    /// <summary>
    /// Raw bytes after the last line read (a data frame's content): first what is buffered, then from the stream.
    /// Up to <paramref name="destination"/>'s length; 0 once the node has closed the connection.
    /// </summary>
    public int ReadData(Span<byte> destination)
    {
        if (destination.IsEmpty) return 0;
        if (start < end)
        {
            var n = Math.Min(destination.Length, end - start);
            buffer.AsSpan(start, n).CopyTo(destination);
            start += n;
            return n;
        }
        if (closed) return 0;
        var read = stream.Read(destination);
        if (read == 0) closed = true;
        return read;
    }

    private ReadOnlyMemory<byte> Trim(int from, int to) =>
        new(buffer, from, to > from && buffer[to - 1] == '\r' ? to - from - 1 : to - from);

    private bool Fill()
    {
        if (start > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }
        if (end == buffer.Length)
        {
            if (buffer.Length >= MaxLine)
                throw new InvalidDataException($"the node sent a line longer than {MaxLine / (1024 * 1024)} MiB");
            Array.Resize(ref buffer, buffer.Length * 2);
        }
        var read = stream.Read(buffer, end, buffer.Length - end);
        end += read;
        return read > 0;
    }
}
