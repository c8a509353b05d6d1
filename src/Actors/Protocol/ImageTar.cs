namespace PullCluster.Actors.Protocol;

/// <summary>
/// Image content as a tar stream, produced when written: nothing is read or copied before <see cref="WriteTo"/>.
/// Node-local (it reads the node's store), so it travels only in in-process messages.
/// </summary>
public sealed class ImageTar(string image, string description, Action<Stream, CancellationToken> write)
{
    public string Image { get; } = image;

    /// <summary>What the tar holds, for messages: "root filesystem", "OCI image layout".</summary>
    public string Description { get; } = description;

    /// <summary>
    /// Writes the whole tar, end-of-archive marker included, then flushes. Blocking file reads and as many writes as
    /// <paramref name="output"/> needs, so run it on a thread of its own; a write that fails (the reader went away)
    /// or <paramref name="ct"/> stops it, and it leaves nothing behind on the node.
    /// </summary>
    public void WriteTo(Stream output, CancellationToken ct) => write(output, ct);
}
