using PullCluster.Core.Layers;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Layers;

public sealed class FileTreeSpecs : IDisposable
{
    private readonly ScratchDir _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static string Raw(string path) => RawPath.FromString(path);

    /// <summary>A small tree made with plain file system calls, independent of the unpacker.</summary>
    private string MakeTree(string name)
    {
        var root = _scratch.Sub(name);
        Directory.CreateDirectory(Path.Combine(root, "d/sub"));
        File.WriteAllText(Path.Combine(root, "d/file"), "content");
        // chown clears setuid, so it comes first.
        Posix.Lchown(Raw(Path.Combine(root, "d/file")), 12, 34);
        Posix.Chmod(RawPath.FromString(Path.Combine(root, "d/file")), (uint)LayerTar.Oct("4750"));
        File.SetLastWriteTimeUtc(Path.Combine(root, "d/file"), DateTime.UnixEpoch.AddSeconds(1_500_000_000));
        File.CreateSymbolicLink(Path.Combine(root, "link"), "d/file");
        Assert.Equal(0, Posix.TryLink(Raw(Path.Combine(root, "d/file")), Raw(Path.Combine(root, "d/hard"))));
        Assert.Equal(0, Posix.TryMknod(Raw(Path.Combine(root, "fifo")), Native.SIfIfo | 0x1a4, 0, 0));
        Assert.Equal(0, Posix.TryMknod(Raw(Path.Combine(root, "tty")), Native.SIfChr | 0x1b6, 5, 0));
        Assert.Equal(0, Posix.TryMknod(Raw(Path.Combine(root, "disk")), Native.SIfBlk | 0x1b0, 8, 16));
        Assert.Equal(0, Posix.TrySetXattr(-1, Raw(Path.Combine(root, "d")), "user.text"u8, "hi"u8));
        Assert.Equal(0, Posix.TrySetXattr(-1, Raw(Path.Combine(root, "d")), "user.bin"u8, [0, 0xff]));
        Assert.Equal(0, Posix.TrySetXattr(-1, Raw(Path.Combine(root, "d")), "trusted.overlay.opaque"u8, "y"u8));
        Directory.CreateDirectory(Path.Combine(root, "sticky"));
        Posix.Chmod(RawPath.FromString(Path.Combine(root, "sticky")), (uint)LayerTar.Oct("1777"));
        return root;
    }

    [Fact]
    public void Captures_every_attribute_a_layer_carries()
    {
        var tree = FileTree.Capture(MakeTree("t"));

        Assert.Equal(new[] { "d", "d/file", "d/hard", "d/sub", "disk", "fifo", "link", "sticky", "tty" }, tree.Nodes.Keys);
        var file = tree["d/file"];
        Assert.Equal(("file", LayerTar.Oct("4750"), 12u, 34u, 7L), (file.Type, (int)file.Mode, file.Uid, file.Gid, file.Size));
        Assert.Equal(Blob.Hex("content"u8.ToArray()), file.Sha256);
        Assert.Equal(1_500_000_000L, file.MTime);
        Assert.Equal(("symlink", "d/file", 0u), (tree["link"].Type, tree["link"].LinkTarget, tree["link"].Mode));
        Assert.Equal(("fifo", 0x1a4u), (tree["fifo"].Type, tree["fifo"].Mode));
        Assert.Equal(("char", 5u, 0u), (tree["tty"].Type, tree["tty"].DevMajor, tree["tty"].DevMinor));
        Assert.Equal(("block", 8u, 16u), (tree["disk"].Type, tree["disk"].DevMajor, tree["disk"].DevMinor));
        Assert.Equal(new Dictionary<string, string> { ["user.bin"] = "0x00ff", ["user.text"] = "\"hi\"" }, tree["d"].Xattrs);
        Assert.Null(tree["d"].MTime);
        Assert.Equal(LayerTar.Oct("1777"), (int)tree["sticky"].Mode);
        Assert.Equal(new[] { "d/file = d/hard" }, tree.HardlinkGroups);
    }

    [Fact]
    public void Finds_no_difference_in_a_faithful_copy()
    {
        var original = MakeTree("original");
        var copy = Path.Combine(_scratch.Path, "copy");
        Run.Tool("cp", "-a", original, copy);

        Assert.Empty(FileTree.Diff(FileTree.Capture(original), FileTree.Capture(copy)));
    }

    [Fact]
    public void Names_every_difference()
    {
        var expected = FileTree.Capture(MakeTree("expected"));
        var root = MakeTree("actual");
        File.WriteAllText(Path.Combine(root, "d/sub/extra"), "x");
        File.Delete(Path.Combine(root, "fifo"));
        Posix.Chmod(RawPath.FromString(Path.Combine(root, "sticky")), (uint)LayerTar.Oct("755"));
        File.Delete(Path.Combine(root, "d/hard"));
        File.Copy(Path.Combine(root, "d/file"), Path.Combine(root, "d/hard"));
        Posix.Lchown(Raw(Path.Combine(root, "d/hard")), 12, 34);
        Posix.Chmod(RawPath.FromString(Path.Combine(root, "d/hard")), (uint)LayerTar.Oct("4750"));
        File.SetLastWriteTimeUtc(Path.Combine(root, "d/hard"), DateTime.UnixEpoch.AddSeconds(1_500_000_000));
        File.Delete(Path.Combine(root, "link"));
        File.CreateSymbolicLink(Path.Combine(root, "link"), "elsewhere");
        Posix.RemoveXattr(Raw(Path.Combine(root, "d")), "user.text"u8);
        Posix.Lchown(Raw(Path.Combine(root, "tty")), 0, 5);

        var diffs = FileTree.Diff(expected, FileTree.Capture(root));

        Assert.Equal(new[]
        {
            "d: missing xattr user.text=\"hi\"",
            "fifo missing",
            "link: link target d/file ≠ elsewhere",
            "sticky: mode 1777 ≠ 0755",
            "tty: gid 0 ≠ 5",
            "d/sub/extra unexpected",
            "hardlink group d/file = d/hard missing",
        }, diffs.Select(Shorten));
    }

    [Fact]
    public void Tells_content_size_and_type_changes_apart()
    {
        var a = _scratch.Sub("a");
        var b = _scratch.Sub("b");
        File.WriteAllText(Path.Combine(a, "f"), "same size");
        File.WriteAllText(Path.Combine(b, "f"), "SAME SIZE");
        File.WriteAllText(Path.Combine(a, "g"), "short");
        File.WriteAllText(Path.Combine(b, "g"), "longer");
        File.WriteAllText(Path.Combine(a, "h"), "was a file");
        Directory.CreateDirectory(Path.Combine(b, "h"));
        foreach (var f in new[] { "f", "g" })
        foreach (var dir in new[] { a, b })
            File.SetLastWriteTimeUtc(Path.Combine(dir, f), DateTime.UnixEpoch);

        var diffs = FileTree.Diff(FileTree.Capture(a), FileTree.Capture(b)).Select(Shorten).ToList();

        Assert.Equal(4, diffs.Count);
        Assert.StartsWith("f: sha256 ", diffs[0]);
        Assert.Equal("g: size 5 ≠ 6", diffs[1]);
        Assert.StartsWith("g: sha256 ", diffs[2]);
        Assert.StartsWith("h: type file ≠ dir", diffs[3]);
    }

    /// <summary>"missing x (…)" → "x missing", dropping the node dump, so the expectations stay readable.</summary>
    private static string Shorten(string diff)
    {
        foreach (var word in new[] { "missing hardlink group ", "unexpected hardlink group " })
            if (diff.StartsWith(word, StringComparison.Ordinal))
                return $"hardlink group {diff[word.Length..]} {word.Split(' ')[0]}";
        foreach (var word in new[] { "missing ", "unexpected " })
            if (diff.StartsWith(word, StringComparison.Ordinal))
                return $"{diff[word.Length..diff.IndexOf(" (", StringComparison.Ordinal)]} {word.Trim()}";
        return diff;
    }
}
