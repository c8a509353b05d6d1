using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.InfrastructureSpecs;

public class ProcSpecs
{
    [Fact]
    public async Task Captures_stdout_stderr_and_exit_code()
    {
        var result = await Proc.RunAsync("sh", ["-c", "echo out; echo err >&2; exit 3"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("out\n", result.Stdout);
        Assert.Equal("err\n", result.Stderr);
    }

    [Fact]
    public async Task EnsureSuccess_names_the_command_and_its_stderr()
    {
        var result = await Proc.RunAsync("ls", "/definitely/not/here");

        var error = Assert.Throws<ProcFailedException>(() => result.EnsureSuccess());
        Assert.Contains("ls /definitely/not/here", error.Message);
        Assert.Contains("No such file or directory", error.Message);
    }

    [Fact]
    public async Task Feeds_stdin_and_honours_the_working_directory()
    {
        using var dir = TempDir.Create("proc");

        var cat = await Proc.RunAsync("cat", [], stdin: "piped");
        var pwd = await Proc.RunAsync("pwd", [], workingDirectory: dir.Path);

        Assert.Equal("piped", cat.Stdout);
        Assert.Equal(dir.Path, pwd.Stdout.Trim());
    }

    [Fact]
    public async Task Timeout_kills_the_process_tree_and_reports_partial_output()
    {
        var started = DateTime.UtcNow;

        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            Proc.RunAsync("sh", ["-c", "echo before; sleep 30 & wait"], timeout: TimeSpan.FromMilliseconds(500)));

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.Contains("before", error.Message);
    }
}
