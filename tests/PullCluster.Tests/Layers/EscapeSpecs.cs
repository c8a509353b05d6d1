using System.Text;
using PullCluster.Core.Layers;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Layers;

/// <summary>Entries that would write outside the target are refused, and nothing lands outside it.</summary>
public sealed class EscapeSpecs : IDisposable
{
    private readonly ScratchDir _scratch = new();
    private readonly string _target;
    private readonly string _outside;

    public EscapeSpecs()
    {
        // scratch/box/diff is the target; scratch/box/outside and scratch/x are what an escape would reach.
        var box = _scratch.Sub("box");
        _target = _scratch.Sub("box/diff");
        _outside = _scratch.Sub("box/outside");
        File.WriteAllText(Path.Combine(_outside, "secret"), "do not link me");
    }

    public void Dispose() => _scratch.Dispose();

    private LayerFormatException Refused(byte[] tar, LayerApplyOptions? options = null)
    {
        var before = FileTree.Capture(_scratch.Path);
        var ex = Assert.Throws<LayerFormatException>(() => Unpack.Tar(tar, _target, options));
        var after = FileTree.Capture(_scratch.Path);
        var outsideTarget = FileTree.Diff(before, after).Where(d => !d.Contains("box/diff/") && !d.Contains("box/diff ")).ToList();
        Assert.Empty(outsideTarget);
        Assert.False(File.Exists(Path.Combine(_scratch.Path, "x")));
        return ex;
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/../../x")]
    [InlineData("./../x")]
    [InlineData("a/b/../../../x")]
    public void Refuses_names_that_climb_out(string name)
    {
        var ex = Refused(new LayerTar().File("a/b/ok", "fine").File(name, "escaped").ToArray());

        Assert.Contains($"entry '{name}'", ex.Message);
        Assert.Contains("escapes the layer", ex.Message);
    }

    [Theory]
    [InlineData("/etc/x")]
    [InlineData("/")]
    public void Refuses_absolute_names(string name)
    {
        var ex = Refused(new RawTar().File(name, "absolute").ToArray());

        Assert.Contains($"entry '{name}'", ex.Message);
        Assert.Contains("absolute", ex.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Refuses_to_write_through_a_symlink(bool absoluteLink)
    {
        var link = absoluteLink ? _outside : "../outside";
        var ex = Refused(new LayerTar().Symlink("link", link).File("link/file", "through the link").ToArray());

        Assert.Contains("entry 'link/file'", ex.Message);
        Assert.Contains("through symlink 'link'", ex.Message);
        Assert.False(File.Exists(Path.Combine(_outside, "file")));
    }

    [Fact]
    public void Refuses_to_write_through_a_symlinked_directory_deeper_down()
    {
        var ex = Refused(new LayerTar()
            .Dir("usr/", "755")
            .Symlink("usr/lib", "/")
            .File("usr/lib/x/y", "deep")
            .ToArray());

        Assert.Contains("entry 'usr/lib/x/y'", ex.Message);
        Assert.Contains("symlink 'usr/lib'", ex.Message);
    }

    [Fact]
    public void Refuses_whiteouts_and_opaque_markers_through_a_symlink()
    {
        foreach (var name in new[] { "link/.wh.secret", "link/.wh..wh..opq" })
        {
            var target = Path.Combine(_scratch.Path, "box", "diff");
            Posix.RemoveChildren(RawPath.FromString(target));
            var ex = Refused(new LayerTar().Symlink("link", "../outside").Whiteout(name).ToArray(), Unpack.Overlay);

            Assert.Contains($"entry '{name}'", ex.Message);
            Assert.True(File.Exists(Path.Combine(_outside, "secret")));
        }
    }

    [Theory]
    [InlineData("../outside/secret", "escapes the layer")]
    [InlineData("a/../../outside/secret", "escapes the layer")]
    public void Refuses_hardlinks_that_climb_out(string target, string reason)
    {
        var ex = Refused(new LayerTar().Hardlink("stolen", target).ToArray());

        Assert.Contains("entry 'stolen'", ex.Message);
        Assert.Contains(reason, ex.Message);
        Assert.Contains(target, ex.Message);
    }

    [Fact]
    public void Refuses_hardlinks_to_absolute_paths()
    {
        var secret = Path.Combine(_outside, "secret");
        var ex = Refused(new LayerTar().Hardlink("stolen", secret).ToArray());

        Assert.Contains("entry 'stolen'", ex.Message);
        Assert.Contains($"absolute hardlink target name '{secret}'", ex.Message);
    }

    [Fact]
    public void Refuses_hardlinks_through_a_symlink()
    {
        var ex = Refused(new LayerTar().Symlink("link", "../outside").Hardlink("stolen", "link/secret").ToArray());

        Assert.Contains("entry 'stolen'", ex.Message);
        Assert.Contains("through symlink 'link'", ex.Message);
    }

    [Fact]
    public void Refuses_hardlinks_to_entries_not_yet_extracted()
    {
        var ex = Refused(new LayerTar().Hardlink("early", "late").File("late", "x").ToArray());

        Assert.Contains("entry 'early'", ex.Message);
        Assert.Contains("'late', which is not in the layer (yet)", ex.Message);
    }

    [Fact]
    public void Follows_no_symlink_when_a_hardlink_targets_one()
    {
        // A hardlink to a symlink links the symlink itself, never what it points at.
        var tar = new LayerTar().Symlink("link", "../outside/secret").Hardlink("hard", "link").ToArray();
        Unpack.Tar(tar, _target);
        var tree = FileTree.Capture(_target);

        Assert.Equal(("symlink", "../outside/secret"), (tree["hard"].Type, tree["hard"].LinkTarget));
        Assert.Equal(1u, Posix.Lstat(RawPath.FromString(Path.Combine(_outside, "secret"))).NLink);
    }

    [Fact]
    public void Allows_symlink_targets_that_point_anywhere()
    {
        var tar = new LayerTar()
            .Symlink("abs", "/etc/shadow")
            .Symlink("up", "../../../../../../etc")
            .Symlink("dangling", "nowhere/at/all")
            .ToArray();
        Unpack.Tar(tar, _target);
        var tree = FileTree.Capture(_target);

        Assert.Equal(new[] { "/etc/shadow", "nowhere/at/all", "../../../../../../etc" },
            new[] { tree["abs"].LinkTarget, tree["dangling"].LinkTarget, tree["up"].LinkTarget });
    }

    [Fact]
    public void Refuses_replacing_the_root_with_a_file()
    {
        var ex = Refused(new RawTar().Entry((byte)'0', Encoding.ASCII.GetBytes("./"), "x"u8.ToArray()).ToArray());

        Assert.Contains("entry './'", ex.Message);
        Assert.Contains("layer root", ex.Message);
    }
}
