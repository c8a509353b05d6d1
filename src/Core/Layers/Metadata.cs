namespace PullCluster.Core.Layers;

/// <summary>Owner, xattr and mode rules shared by unpacking and flattening.</summary>
internal static class Metadata
{
    /// <summary>
    /// Sets one xattr on <paramref name="fd"/> (or the path when fd is -1). overlayfs's own trusted.overlay.* names are
    /// never taken from content: they would steer the snapshotter. Unsupported file systems, and privileged names an
    /// unprivileged process may not set, are skipped as containerd skips them.
    /// </summary>
    public static void SetXattr(int fd, string path, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool isSymlink)
    {
        if (name.StartsWith(Whiteout.OverlayXattrPrefix)) return;
        var rc = Posix.TrySetXattr(fd, path, name, value);
        if (rc == 0 || rc == Native.EOpNotSupp) return;
        if (rc is Native.EPerm or Native.EAcces &&
            (!Environment.IsPrivilegedProcess || (isSymlink && name.StartsWith("user."u8))))
            return;
        throw Posix.Error($"setxattr {RawPath.FromBytes(name)} on", path, rc);
    }

    /// <summary>Marks a directory of a diff opaque for overlayfs: nothing below it in lower layers shows through.</summary>
    public static void SetOverlayOpaque(string dir)
    {
        var rc = Posix.TrySetXattr(-1, dir, Whiteout.OverlayOpaqueXattr, "y"u8);
        if (rc != 0) throw Posix.Error("set overlay opaque xattr (needs root) on", dir, rc);
    }

    /// <summary>
    /// Whether a diff's directory hides what lower layers have below it: the overlayfs opaque attribute, or, where
    /// diffs keep the image's own markers (<paramref name="markers"/>), a <c>.wh..wh..opq</c> entry.
    /// </summary>
    public static bool IsOpaqueDirectory(string dir, bool markers) =>
        (markers && Posix.TryLstat(string.Concat(dir, "/", Whiteout.Opaque), out _)) ||
        Posix.GetXattr(dir, Whiteout.OverlayOpaqueXattr) is [(byte)'y'];

    /// <summary>A node's xattrs as content: overlayfs's own trusted.overlay.* describe the layer, not the file.</summary>
    public static List<(byte[] Name, byte[] Value)> ContentXattrs(string path)
    {
        var names = Posix.ListXattrs(path);
        var result = new List<(byte[], byte[])>(names.Count);
        foreach (var name in names)
        {
            if (name.AsSpan().StartsWith(Whiteout.OverlayXattrPrefix)) continue;
            if (Posix.GetXattr(path, name) is { } value) result.Add((name, value));
        }
        return result;
    }

    public static bool IsOverlayWhiteout(in Native.Statx st) =>
        Posix.TypeOf(st) == Native.SIfChr && st.RDevMajor == 0 && st.RDevMinor == 0;

    /// <summary>
    /// mknod for a fifo or device: 0 when made, EEXIST when something is in the way, -1 when a device was skipped
    /// because only root may create one; other failures throw.
    /// </summary>
    public static int TryMakeNode(string path, uint type, uint major, uint minor)
    {
        var rc = Posix.TryMknod(path, type | 0x180, major, minor);
        if (rc is 0 or Native.EExist) return rc;
        if (rc == Native.EPerm && type != Native.SIfIfo && !Environment.IsPrivilegedProcess) return -1;
        throw Posix.Error("mknod", path, rc);
    }
}
