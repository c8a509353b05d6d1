using PullCluster.Core.Formats;

namespace PullCluster.Tests.Infrastructure;

/// <summary>A blob with its media type: a config, a manifest or an index.</summary>
public sealed class TestBlob(string mediaType, byte[] bytes)
{
    public string MediaType { get; } = mediaType;

    public byte[] Bytes { get; } = bytes;

    public Digest Digest { get; } = Digest.Sha256(bytes);

    public long Size => Bytes.Length;

    public Descriptor Descriptor => new(MediaType, Digest, Size);

    public string Text => System.Text.Encoding.UTF8.GetString(Bytes);

    public override string ToString() => $"{MediaType} {Digest} ({Size} bytes)";
}
