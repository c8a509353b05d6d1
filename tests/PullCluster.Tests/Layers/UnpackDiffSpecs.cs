using System.Formats.Tar;
using System.Text;
using PullCluster.Core.Formats;
using PullCluster.Core.Layers;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Layers;

public sealed class UnpackDiffSpecs : IDisposable
{
    private readonly ScratchDir _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static readonly DateTimeOffset Then = DateTimeOffset.FromUnixTimeSeconds(1_234_567_890);

    private static byte[] EveryType(TarEntryFormat format) => new LayerTar(format)
        .Dir("etc/", "755", mtime: Then)
        .File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", "644", mtime: Then)
        .Dir("home/", "755")
        .Dir("home/user/", "750", 1000, 1001, Then)
        .File("home/user/notes.txt", "hello", "600", 1000, 1001, Then)
        .Dir("usr/bin/", "755")
        .File("usr/bin/su", "suid", "4755")
        .File("usr/bin/wall", "sgid", "2755", 0, 5)
        .Dir("tmp/", "1777")
        .Dir("shared/", "3775", 0, 100)
        .Symlink("usr/bin/sh", "/bin/dash", 0, 0, Then)
        .Symlink("etc/rel", "../usr/bin/su")
        .Hardlink("usr/bin/su-again", "usr/bin/su", "4755")
        .Fifo("run-fifo", "620", 0, 5)
        .CharDevice("dev-null", 1, 3)
        .BlockDevice("dev-loop0", 7, 0)
        .File("empty", "", "444")
        .ToArray();

    [Theory]
    [InlineData(TarEntryFormat.Pax, LayerCompression.Gzip)]
    [InlineData(TarEntryFormat.Pax, LayerCompression.Zstd)]
    [InlineData(TarEntryFormat.Pax, LayerCompression.None)]
    [InlineData(TarEntryFormat.Gnu, LayerCompression.Gzip)]
    public void Extracts_every_entry_type_with_modes_owners_and_times(TarEntryFormat format, LayerCompression compression)
    {
        var dir = _scratch.Sub("diff");
        Unpack.Tar(EveryType(format), dir, Unpack.Aufs, compression);
        var tree = FileTree.Capture(dir);

        Assert.Equal(new FileNode("file", 0x1a4, 0, 0, 30, Blob.Hex("root:x:0:0:root:/root:/bin/sh\n"u8.ToArray()), null, 0, 0,
            new Dictionary<string, string>(), Then.ToUnixTimeSeconds()).ToString(), tree["etc/passwd"].ToString());
        Assert.Equal(("dir", LayerTar.Oct("750"), 1000u, 1001u),
            (tree["home/user"].Type, (int)tree["home/user"].Mode, tree["home/user"].Uid, tree["home/user"].Gid));
        Assert.Equal((1000u, 1001u, 0x180u), (tree["home/user/notes.txt"].Uid, tree["home/user/notes.txt"].Gid, tree["home/user/notes.txt"].Mode));
        Assert.Equal(LayerTar.Oct("4755"), (int)tree["usr/bin/su"].Mode);
        Assert.Equal((LayerTar.Oct("2755"), 5u), ((int)tree["usr/bin/wall"].Mode, tree["usr/bin/wall"].Gid));
        Assert.Equal(LayerTar.Oct("1777"), (int)tree["tmp"].Mode);
        Assert.Equal((LayerTar.Oct("3775"), 100u), ((int)tree["shared"].Mode, tree["shared"].Gid));
        Assert.Equal(("symlink", "/bin/dash", Then.ToUnixTimeSeconds()), (tree["usr/bin/sh"].Type, tree["usr/bin/sh"].LinkTarget, tree["usr/bin/sh"].MTime));
        Assert.Equal("../usr/bin/su", tree["etc/rel"].LinkTarget);
        Assert.Contains("usr/bin/su = usr/bin/su-again", tree.HardlinkGroups);
        Assert.Equal(("fifo", LayerTar.Oct("620"), 5u), (tree["run-fifo"].Type, (int)tree["run-fifo"].Mode, tree["run-fifo"].Gid));
        Assert.Equal(("char", 1u, 3u, LayerTar.Oct("666")), (tree["dev-null"].Type, tree["dev-null"].DevMajor, tree["dev-null"].DevMinor, (int)tree["dev-null"].Mode));
        Assert.Equal(("block", 7u, 0u, 6u), (tree["dev-loop0"].Type, tree["dev-loop0"].DevMajor, tree["dev-loop0"].DevMinor, tree["dev-loop0"].Gid));
        Assert.Equal((0L, LayerTar.Oct("444")), (tree["empty"].Size, (int)tree["empty"].Mode));
        // Directory mtimes survive the children written into them afterwards.
        Assert.Equal(Then.UtcDateTime, Directory.GetLastWriteTimeUtc(Path.Combine(dir, "etc")));
        Assert.Equal(Then.UtcDateTime, Directory.GetLastWriteTimeUtc(Path.Combine(dir, "home/user")));
    }

    [Fact]
    public void Gives_the_same_tree_as_gnu_tar()
    {
        var tar = EveryType(TarEntryFormat.Pax);
        var ours = _scratch.Sub("ours");
        var theirs = _scratch.Sub("theirs");
        Unpack.Tar(tar, ours, Unpack.Aufs, LayerCompression.Gzip);
        Run.Tool("tar", tar, "-x", "--xattrs", "--xattrs-include=*", "--same-owner", "--same-permissions", "--numeric-owner", "-f", "-", "-C", theirs);

        Assert.Empty(FileTree.Diff(FileTree.Capture(theirs), FileTree.Capture(ours)));
    }

    [Theory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    [InlineData(LayerCompression.None)]
    public void Diff_id_is_the_sha256_of_the_whole_uncompressed_tar(LayerCompression compression)
    {
        // GNU tar pads the archive to 10 KiB records: the zeros after the end marker count too.
        var src = _scratch.Sub("src");
        System.IO.File.WriteAllText(Path.Combine(src, "a.txt"), "alpha");
        Directory.CreateDirectory(Path.Combine(src, "d"));
        System.IO.File.WriteAllBytes(Path.Combine(src, "d/b.bin"), new byte[3000]);
        var tarPath = Path.Combine(_scratch.Path, "layer.tar");
        Run.Tool("tar", "-c", "-f", tarPath, "-C", src, "a.txt", "d");
        var tar = System.IO.File.ReadAllBytes(tarPath);
        Assert.Equal(0, tar.Length % 10240);

        var result = Unpack.Tar(tar, _scratch.Sub("diff"), Unpack.Aufs, compression);

        Assert.Equal(Digest.Sha256(tar), result.DiffId);
        Assert.Equal(tar.Length, result.UncompressedBytes);
        Assert.Equal(3, result.Entries);
    }

    [Theory]
    [InlineData(TarEntryFormat.Pax)]
    [InlineData(TarEntryFormat.Gnu)]
    public void Keeps_long_names_and_long_link_targets(TarEntryFormat format)
    {
        var deep = string.Join('/', Enumerable.Range(0, 12).Select(i => $"directory-level-{i:00}"));
        var longName = deep + "/" + new string('f', 120) + ".txt";
        var longTarget = "/opt/" + new string('t', 150) + "/target";
        Assert.True(deep.Length > 100 && longName.Length > 255 && longTarget.Length > 100);
        var tar = new LayerTar(format)
            .File(longName, "deep")
            .File(new string('n', 140), "wide")
            .Symlink("short-link", longTarget)
            .Symlink(deep + "/long-link", longTarget)
            .Hardlink("hard-to-long", longName)
            .ToArray();

        var dir = _scratch.Sub("diff");
        Unpack.Tar(tar, dir);
        var tree = FileTree.Capture(dir);

        Assert.Equal(Blob.Hex("deep"u8.ToArray()), tree[longName].Sha256);
        Assert.Equal(Blob.Hex("wide"u8.ToArray()), tree[new string('n', 140)].Sha256);
        Assert.Equal(longTarget, tree["short-link"].LinkTarget);
        Assert.Equal(longTarget, tree[deep + "/long-link"].LinkTarget);
        Assert.Contains($"{longName} = hard-to-long", tree.HardlinkGroups);
    }

    [Fact]
    public void Sets_xattrs_including_binary_file_capabilities_as_gnu_tar_records_them()
    {
        var src = _scratch.Sub("src");
        var ping = Path.Combine(src, "ping");
        System.IO.File.WriteAllText(ping, "#!/bin/true\n");
        // cap_setuid (bit 7) encodes as 0x80: not valid UTF-8, which System.Formats.Tar would mangle.
        Run.Tool("setcap", "cap_setuid,cap_net_raw+ep", ping);
        var binary = new byte[] { 0x80, 0x00, 0xff, 0x0a, 0x7f };
        Assert.Equal(0, Posix.TrySetXattr(-1, RawPath.FromString(ping), "user.blob"u8, binary));
        Assert.Equal(0, Posix.TrySetXattr(-1, RawPath.FromString(src), "user.dir"u8, "on a directory"u8));
        var tarPath = Path.Combine(_scratch.Path, "caps.tar");
        Run.Tool("tar", "-c", "--xattrs", "--xattrs-include=*", "-f", tarPath, "-C", _scratch.Path, "src");
        var expected = FileTree.Capture(_scratch.Path + "/src");

        var dir = _scratch.Sub("diff");
        Unpack.Tar(System.IO.File.ReadAllBytes(tarPath), dir, Unpack.Aufs, LayerCompression.Gzip);
        var actual = FileTree.Capture(dir + "/src");

        Assert.Empty(FileTree.Diff(expected, actual));
        Assert.Equal("0x" + Convert.ToHexStringLower(binary), actual["ping"].Xattrs["user.blob"]);
        Assert.EndsWith(" cap_setuid,cap_net_raw=ep", Run.Tool("getcap", Path.Combine(dir, "src/ping")).Trim());
        Assert.Equal("\"on a directory\"", FileTree.Capture(dir)["src"].Xattrs["user.dir"]);
    }

    [Fact]
    public void Sets_pax_xattrs_written_by_tar_writer()
    {
        var tar = new LayerTar()
            .Dir("d/", xattrs: new Dictionary<string, string> { ["user.kind"] = "directory" })
            .File("d/f", "x", xattrs: new Dictionary<string, string> { ["user.mime"] = "text/plain", ["trusted.note"] = "root only" })
            .ToArray();
        var dir = _scratch.Sub("diff");
        Unpack.Tar(tar, dir);
        var tree = FileTree.Capture(dir);

        Assert.Equal("\"directory\"", tree["d"].Xattrs["user.kind"]);
        Assert.Equal(new[] { "trusted.note", "user.mime" }, tree["d/f"].Xattrs.Keys.Order());
    }

    [Fact]
    public void Never_takes_overlay_xattrs_from_the_tar()
    {
        var tar = new LayerTar()
            .Dir("d/", xattrs: new Dictionary<string, string> { ["trusted.overlay.opaque"] = "y", ["trusted.overlay.redirect"] = "/etc" })
            .ToArray();
        var dir = _scratch.Sub("diff");
        Unpack.Tar(tar, dir, Unpack.Overlay);

        Assert.Empty(Posix.ListXattrs(RawPath.FromString(Path.Combine(dir, "d"))));
    }

    [Fact]
    public void Later_entries_win()
    {
        var tar = new LayerTar()
            .File("f", "first")
            .File("f", "second", "600")
            .Dir("was-file-now-dir/", "700")
            .File("dir-then-file/child", "gone")
            .File("dir-then-file", "now a file")
            .File("was-file-now-dir", "a file first")
            .Dir("was-file-now-dir/", "750")
            .Dir("merged/", "700", mtime: Then)
            .File("merged/a", "a")
            .Dir("merged/", "755", 1, 2)
            .File("merged/b", "b")
            .Symlink("was-link", "/etc")
            .File("was-link", "replaces the symlink, not written through it")
            .File("orig", "old contents")
            .Hardlink("orig-link", "orig")
            .File("orig", "new contents")
            .ToArray();
        var dir = _scratch.Sub("diff");
        Unpack.Tar(tar, dir);
        var tree = FileTree.Capture(dir);

        Assert.Equal((Blob.Hex("second"u8.ToArray()), 0x180u), (tree["f"].Sha256, tree["f"].Mode));
        Assert.Equal(("dir", LayerTar.Oct("750")), (tree["was-file-now-dir"].Type, (int)tree["was-file-now-dir"].Mode));
        Assert.Equal("file", tree["dir-then-file"].Type);
        Assert.DoesNotContain("dir-then-file/child", tree.Nodes.Keys);
        Assert.Equal((LayerTar.Oct("755"), 1u, 2u), ((int)tree["merged"].Mode, tree["merged"].Uid, tree["merged"].Gid));
        Assert.Contains("merged/a", tree.Nodes.Keys);
        Assert.Contains("merged/b", tree.Nodes.Keys);
        Assert.Equal("file", tree["was-link"].Type);
        Assert.Equal(Blob.Hex("old contents"u8.ToArray()), tree["orig-link"].Sha256);
        Assert.Equal(Blob.Hex("new contents"u8.ToArray()), tree["orig"].Sha256);
        Assert.Empty(tree.HardlinkGroups);
    }

    [Fact]
    public void Creates_missing_parents_and_takes_their_entries_when_they_come_later()
    {
        var tar = new LayerTar()
            .File("a/b/c.txt", "c")
            .File("x/y.txt", "y")
            .Dir("a/", "700", 7, 8, Then)
            .ToArray();
        var dir = _scratch.Sub("diff");
        Unpack.Tar(tar, dir);
        var tree = FileTree.Capture(dir);

        Assert.Equal((LayerTar.Oct("700"), 7u, 8u), ((int)tree["a"].Mode, tree["a"].Uid, tree["a"].Gid));
        Assert.Equal(Then.UtcDateTime, Directory.GetLastWriteTimeUtc(Path.Combine(dir, "a")));
        Assert.Equal(LayerTar.Oct("755"), (int)tree["a/b"].Mode);
        Assert.Equal(LayerTar.Oct("755"), (int)tree["x"].Mode);
        Assert.Equal(Blob.Hex("c"u8.ToArray()), tree["a/b/c.txt"].Sha256);
    }

    [Fact]
    public void Cleans_dot_slash_names_and_ignores_the_root_entry()
    {
        var tar = new LayerTar()
            .Dir("./", "700")
            .Dir("./etc/", "755")
            .File("./etc//hosts", "127.0.0.1 localhost")
            .File("etc/./x/../motd", "hi")
            .ToArray();
        var dir = _scratch.Sub("diff");
        var before = FileTree.Capture(_scratch.Path)["diff"].Mode;
        Unpack.Tar(tar, dir);
        var tree = FileTree.Capture(dir);

        // Cleaning is lexical, as in containerd: "x/.." never touches the file system.
        Assert.Equal(new[] { "etc", "etc/hosts", "etc/motd" }, tree.Nodes.Keys);
        Assert.Equal(before, FileTree.Capture(_scratch.Path)["diff"].Mode);
    }

    [Fact]
    public void Keeps_names_that_are_not_utf8_byte_for_byte()
    {
        var latin1 = new byte[] { (byte)'c', (byte)'a', (byte)'f', 0xe9, (byte)'.', (byte)'t', (byte)'x', (byte)'t' };
        var tar = new RawTar().Entry((byte)'0', latin1, "bytes"u8.ToArray()).ToArray();
        var dir = _scratch.Sub("diff");
        Unpack.Tar(tar, dir);

        var names = Posix.ReadDir(RawPath.FromString(dir)).Select(e => e.Name).ToList();
        Assert.Equal(new[] { RawPath.FromBytes(latin1) }, names);
        Assert.Equal("file", FileTree.Capture(dir)["caf\\xe9.txt"].Type);
    }

    [Fact]
    public void Reads_pax_mtime_fractions_and_uid_overrides()
    {
        var tar = new RawTar()
            .Pax(("mtime", "1600000000.75"u8.ToArray()), ("uid", "4000000000"u8.ToArray()), ("gid", "42"u8.ToArray()))
            .File("f", "x")
            .ToArray();
        var dir = _scratch.Sub("diff");
        Unpack.Tar(tar, dir);
        var st = Posix.Lstat(RawPath.FromString(Path.Combine(dir, "f")));

        Assert.Equal((1600000000L, 750000000u), (st.MTime.Sec, st.MTime.Nsec));
        Assert.Equal((4000000000u, 42u), (st.Uid, st.Gid));
    }

    [Fact]
    public void Reports_every_entry_and_the_byte_count()
    {
        var tar = EveryType(TarEntryFormat.Pax);
        var result = Unpack.Tar(tar, _scratch.Sub("diff"), Unpack.Overlay, LayerCompression.Zstd);

        Assert.Equal(17, result.Entries);
        Assert.Equal(tar.Length, result.UncompressedBytes);
    }

    [Fact]
    public void Refuses_a_target_that_is_not_empty()
    {
        var dir = _scratch.Sub("diff");
        System.IO.File.WriteAllText(Path.Combine(dir, "stale"), "x");

        var ex = Assert.Throws<IOException>(() => Unpack.Tar(new LayerTar().File("f", "x").ToArray(), dir));
        Assert.Contains("not empty", ex.Message);
    }

    [Fact]
    public void Stops_when_cancelled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        using var blob = new MemoryStream(new LayerTar().File("f", "x").ToArray());

        Assert.ThrowsAny<OperationCanceledException>(() =>
            LayerUnpacker.UnpackDiff(blob, LayerCompression.None, _scratch.Sub("diff"), Unpack.Aufs, cts.Token));
    }

    [Fact]
    public void Gives_the_same_tree_when_syncing_every_file()
    {
        var tar = EveryType(TarEntryFormat.Pax);
        var plain = _scratch.Sub("plain");
        var synced = _scratch.Sub("synced");
        Unpack.Tar(tar, plain, Unpack.Overlay, LayerCompression.Gzip);
        Unpack.Tar(tar, synced, Unpack.Overlay with { SyncFiles = true }, LayerCompression.Gzip);

        Assert.Empty(FileTree.Diff(FileTree.Capture(plain), FileTree.Capture(synced)));
    }

    [Fact]
    public void Skips_ownership_when_told_to()
    {
        var tar = new LayerTar().File("f", "x", "644", 1234, 5678).ToArray();
        var dir = _scratch.Sub("diff");
        Unpack.Tar(tar, dir, Unpack.Aufs with { PreserveOwnership = false });
        var node = FileTree.Capture(dir)["f"];

        Assert.Equal((0u, 0u), (node.Uid, node.Gid));
        Assert.Equal(Encoding.UTF8.GetBytes("x"), System.IO.File.ReadAllBytes(Path.Combine(dir, "f")));
    }
}
