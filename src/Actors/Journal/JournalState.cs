namespace PullCluster.Actors.Journal;

/// <summary>What the journal knows: completed blobs and layers, and pulls not yet ended. Also the snapshot.</summary>
public sealed class JournalState
{
    public Dictionary<string, long> Blobs { get; init; } = new(StringComparer.Ordinal);
    public Dictionary<string, LayerRecorded> Layers { get; init; } = new(StringComparer.Ordinal);
    public Dictionary<string, PullAccepted> Pulls { get; init; } = new(StringComparer.Ordinal);

    public void Apply(IJournalEvent e)
    {
        switch (e)
        {
            case BlobRecorded b:
                Blobs[b.Digest] = b.Size;
                break;
            case LayerRecorded l:
                Layers[l.ChainId] = l;
                break;
            case ContentForgotten { Kind: ContentKinds.Blob } f:
                Blobs.Remove(f.Id);
                break;
            case ContentForgotten { Kind: ContentKinds.Layer } f:
                Layers.Remove(f.Id);
                break;
            case PullAccepted p:
                Pulls[p.Id] = p;
                break;
            case PullEnded p:
                Pulls.Remove(p.Id);
                break;
        }
    }
}

public static class ContentKinds
{
    public const string Blob = "blob";
    public const string Layer = "layer";
}
