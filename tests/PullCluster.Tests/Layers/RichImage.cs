using System.Formats.Tar;
using PullCluster.Core.Layers;

namespace PullCluster.Tests.Layers;

/// <summary>
/// A four-layer image exercising everything the unpacker and flattener handle: every file type, setuid/setgid/sticky,
/// owners, xattrs (binary file capabilities in a layer GNU tar writes), long names and link targets, hardlinks,
/// whiteouts of files and directories, opaque directories, type changes across layers.
/// </summary>
internal static class RichImage
{
    private static readonly string LongDir = string.Join('/', Enumerable.Range(0, 6).Select(i => $"deeply-nested-directory-{i}-" + new string('x', 20)));
    private static readonly string LongTarget = "/usr/share/" + new string('t', 140) + "/target";

    public static byte[][] Layers(string workDir) => [Base(), Update(), Cleanup(), Capabilities(workDir)];

    private static byte[] Base() => new LayerTar(TarEntryFormat.Pax)
        .Dir("bin/").Dir("etc/").Dir("usr/").Dir("usr/bin/").Dir("usr/lib/").Dir("var/").Dir("var/cache/").Dir("var/cache/apt/")
        .Dir("tmp/", "1777").Dir("dev/").Dir("run/").Dir("opt/").Dir("opt/app/").Dir("home/")
        .Dir("home/user/", "700", 1000, 1000)
        .File("etc/passwd", "root:x:0:0::/root:/bin/sh\n")
        .File("etc/motd", "welcome\n")
        .File("etc/os-release", "ID=test\n")
        .File("etc/shadow", "root:*:1::::::\n", "640", 0, 42, xattrs: new Dictionary<string, string> { ["user.comment"] = "shadow file" })
        .File("usr/bin/tool", "#!/bin/sh\necho v1\n", "755")
        .Hardlink("usr/bin/tool-link", "usr/bin/tool", "755")
        .File("usr/bin/su", "setuid binary", "4755")
        .File("usr/bin/wall", "setgid binary", "2755", 0, 5)
        .File("usr/lib/libfoo.so.1", "ELF...", "644")
        .Symlink("usr/lib/libfoo.so", "libfoo.so.1")
        .Symlink("bin/sh", "/usr/bin/dash")
        .Symlink("usr/lib/long-target", LongTarget)
        .File("var/cache/apt/pkgcache.bin", "cache")
        .File("var/cache/apt/archives/partial/lock", "")
        .File("opt/app/config.yaml", "debug: false\n")
        .File("opt/app/data/blob.bin", new byte[70_000])
        .File("home/user/.profile", "export A=1\n", "600", 1000, 1000)
        .File(LongDir + "/" + new string('f', 110) + ".txt", "deep file")
        .Fifo("run/initctl", "600")
        .CharDevice("dev/null", 1, 3)
        .CharDevice("dev/tty", 5, 0, "666", 0, 5)
        .BlockDevice("dev/loop0", 7, 0)
        .ToArray();

    private static byte[] Update() => new LayerTar(TarEntryFormat.Gnu)
        .Dir("etc/", "755")
        .Whiteout("etc/.wh.motd")
        .Dir("etc/os-release/", "755")
        .File("etc/os-release/ID", "test2\n")
        .Dir("opt/", "755")
        .Whiteout("opt/.wh.app")
        .Dir("var/cache/apt/", "755")
        .Whiteout("var/cache/apt/.wh..wh..opq")
        .File("var/cache/apt/srcpkgcache.bin", "fresh cache")
        .File("usr/bin/tool", "#!/bin/sh\necho v2\n", "755")
        .File("usr/lib/pair-a", "paired", "644")
        .Hardlink("usr/lib/pair-b", "usr/lib/pair-a", "644")
        .Symlink("bin/sh", "/bin/bash")
        .Dir("usr/", "750", 0, 10)
        .Dir("home/", "755")
        .Whiteout("home/.wh.user")
        .File("home/user", "a file where a directory was")
        .Symlink(LongDir + "/link-" + new string('k', 120), LongTarget)
        .ToArray();

    private static byte[] Cleanup() => new LayerTar(TarEntryFormat.Pax)
        .Dir("usr/lib/", "755")
        .Whiteout("usr/lib/.wh.pair-a")
        .Dir("opt/app/", "711")
        .File("opt/app/reborn", "after its directory was deleted below")
        .Dir("etc/", "755")
        .Whiteout("etc/.wh.passwd")
        .File("etc/passwd", "root:x:0:0::/root:/bin/bash\n")
        .Whiteout("dev/.wh.tty")
        .ToArray();

    /// <summary>Written by GNU tar from real files: binary security.capability and user xattrs that TarWriter cannot express.</summary>
    private static byte[] Capabilities(string workDir)
    {
        var src = Path.Combine(workDir, "caps-layer");
        Directory.CreateDirectory(Path.Combine(src, "usr/sbin"));
        var ping = Path.Combine(src, "usr/sbin/ping");
        File.WriteAllText(ping, "#!/bin/true\n");
        Posix.Chmod(RawPath.FromString(ping), (uint)LayerTar.Oct("755"));
        Run.Tool("setcap", "cap_setuid,cap_net_raw+ep", ping);
        var raw = RawPath.FromString(ping);
        if (Posix.TrySetXattr(-1, raw, "user.blob"u8, [0x80, 0x00, 0xfe]) != 0) throw new IOException("setxattr user.blob");
        var tar = Path.Combine(workDir, "caps-layer.tar");
        Run.Tool("tar", "-c", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-f", tar, "-C", src, "usr/sbin/ping");
        return File.ReadAllBytes(tar);
    }
}
