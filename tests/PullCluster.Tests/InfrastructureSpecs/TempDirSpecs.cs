using System.Runtime.Versioning;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.InfrastructureSpecs;

[SupportedOSPlatform("linux")]
public class TempDirSpecs
{
    [Fact]
    public void Dispose_removes_read_only_and_odd_mode_entries_but_not_what_symlinks_point_at()
    {
        using var outside = TempDir.Create("outside");
        var precious = outside.Combine("precious.txt");
        File.WriteAllText(precious, "keep me");

        var dir = TempDir.Create("odd-modes");
        var locked = dir.Subdirectory("locked", "deeper");
        File.WriteAllText(Path.Combine(locked, "no-perms"), "x");
        File.SetUnixFileMode(Path.Combine(locked, "no-perms"), UnixFileMode.None);
        Proc.Run("mkfifo", Path.Combine(locked, "fifo")).EnsureSuccess();
        File.CreateSymbolicLink(dir.Combine("link-out"), outside.Path);
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        File.SetUnixFileMode(dir.Combine("locked"), UnixFileMode.None);

        dir.Dispose();

        Assert.False(Directory.Exists(dir.Path));
        Assert.Equal("keep me", File.ReadAllText(precious));
    }

    [Fact]
    public void Directories_live_under_the_run_root_and_are_distinct()
    {
        using var a = TempDir.Create("same label");
        using var b = TempDir.Create("same label");

        Assert.NotEqual(a.Path, b.Path);
        Assert.StartsWith($"{TempDir.Root}/run-{Environment.ProcessId}/same_label-", a.Path);
        Assert.True(Directory.Exists(a.Path));
    }
}
