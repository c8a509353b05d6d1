using PullCluster.Core.Layers;
using Xunit;

namespace PullCluster.Tests.Layers;

/// <summary>
/// The tar stream of a flattened root filesystem carries what ustar cannot (FlattenSpecs compares the rest with the
/// copied flattening): binary xattrs, owners beyond 7 octal digits, nanosecond mtimes, names that are not UTF-8, long
/// link targets; GNU tar reads it too.
/// </summary>
public sealed class RootfsTarSpecs : IDisposable
{
    private readonly ScratchDir _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void What_ustar_cannot_hold_survives_the_stream_exactly()
    {
        var layer = _scratch.Sub("layer");
        var longTarget = "/opt/" + new string('t', 200);
        File.WriteAllText(Path.Combine(layer, "capable"), "binary xattr");
        Assert.Equal(0, Posix.TrySetXattr(-1, RawPath.FromString(Path.Combine(layer, "capable")), "user.binary"u8, [0x00, 0xff, 0x0a, 0x3d, 0x20]));
        Run.Tool("chown", "3000000:4000000", Path.Combine(layer, "capable"));
        Run.Tool("touch", "-h", "-d", "@1700000000.123456789", Path.Combine(layer, "capable"));
        Run.Tool("bash", "-c", $"printf 'latin-1' > {layer}/caf$'\\xe9' && ln -s {longTarget} {layer}/far");
        Run.Tool("touch", "-h", "-d", "@-86400.5", Path.Combine(layer, "far"));

        var tar = new MemoryStream();
        RootfsTar.Write([layer], tar, CancellationToken.None);
        var rootfs = _scratch.Sub("rootfs");
        TreeExtractor.Extract(new MemoryStream(tar.ToArray()), rootfs, Unpack.Aufs, CancellationToken.None);

        var capable = RawPath.FromString(Path.Combine(rootfs, "capable"));
        var st = Posix.Lstat(capable);
        Assert.Equal((3000000u, 4000000u), (st.Uid, st.Gid));
        Assert.Equal((1700000000L, 123456789u), (st.MTime.Sec, st.MTime.Nsec));
        Assert.Equal(new byte[] { 0x00, 0xff, 0x0a, 0x3d, 0x20 }, Posix.GetXattr(capable, "user.binary"u8));
        var far = RawPath.FromString(Path.Combine(rootfs, "far"));
        Assert.Equal(longTarget, Posix.ReadLink(far));
        Assert.Equal((-86401L, 500000000u), (Posix.Lstat(far).MTime.Sec, Posix.Lstat(far).MTime.Nsec));
        var latin1 = string.Concat(RawPath.FromString(rootfs), "/", RawPath.FromBytes([(byte)'c', (byte)'a', (byte)'f', 0xe9]));
        Assert.Equal(7UL, Posix.Lstat(latin1).Size);
        var listing = Run.Tool("tar", tar.ToArray(), "-tvf", "-");
        Assert.Contains("3000000/4000000", listing);
        Assert.Contains($"far -> {longTarget}", listing);
    }
}
