namespace PullCluster.Core.Layers;

/// <summary>
/// What a layer unpacked on its own could not settle without the layers below it: the directories its tar only
/// implied (a lower layer may have a symlink there, and has the metadata they should carry) and the hardlinks whose
/// target it does not have itself. <see cref="LayerUnpacker.Rebase"/> settles them once the parents are known.
/// Paths are raw (<see cref="RawPath"/>).
/// </summary>
public sealed record LowerReferences
{
    public static readonly LowerReferences None = new([], []);

    internal LowerReferences(IReadOnlyList<string> impliedDirectories, IReadOnlyList<DeferredLink> links)
    {
        ImpliedDirectories = impliedDirectories;
        Links = links;
    }

    internal IReadOnlyList<string> ImpliedDirectories { get; }

    internal IReadOnlyList<DeferredLink> Links { get; }

    public bool IsEmpty => ImpliedDirectories.Count == 0 && Links.Count == 0;

    /// <summary>Hardlinks that need a lower layer: without one to resolve them, the layer cannot commit.</summary>
    public int PendingLinks => Links.Count;
}

/// <param name="Path">Where the link goes, as the tar names it (cleaned).</param>
/// <param name="Target">What it links to, as the tar names it (cleaned).</param>
/// <param name="EntryName">The tar entry's own name, for messages.</param>
internal sealed record DeferredLink(string Path, string Target, string EntryName);
