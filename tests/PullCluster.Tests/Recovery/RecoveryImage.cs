using PullCluster.Core.Formats;
using PullCluster.Tests.Infrastructure;

namespace PullCluster.Tests.Recovery;

/// <summary>An image pushed to the recovery registry, with what a pull of it must fetch.</summary>
public sealed record RecoveryImage(string Repository, string Tag, TestImage Image)
{
    /// <summary>The config and layer blobs, the blobs a pull GETs.</summary>
    public IReadOnlyList<Descriptor> Blobs =>
        [Image.Config.Descriptor, .. Image.LayerDescriptors];

    public IReadOnlyList<Digest> LayerDigests => Image.Layers.Select(l => l.Digest).ToList();

    /// <summary>Bytes of all blobs a cold pull fetches.</summary>
    public long BlobBytes => Blobs.Sum(b => b.Size);

    public IReadOnlyList<Digest> ChainIds => Core.Formats.ChainIds.Compute(Image.Layers.Select(l => l.DiffId).ToList());

    /// <summary>The reference through <paramref name="proxy"/>, so the test can slow or count what the node fetches.</summary>
    public string Via(FaultProxy proxy) => proxy.Reference(Repository, Tag);

    public string Direct(RegistryProcess registry) => registry.Reference(Repository, Tag);

    public override string ToString() => $"{Repository}:{Tag} ({Image.Layers.Count} layers, {BlobBytes} blob bytes)";
}
