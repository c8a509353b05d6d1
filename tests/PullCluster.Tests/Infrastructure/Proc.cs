using System.Diagnostics;
using System.Text;

namespace PullCluster.Tests.Infrastructure;

/// <summary>Runs an external command to completion with a timeout, capturing stdout and stderr.</summary>
public static class Proc
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static ProcResult Run(string fileName, params string[] args) =>
        RunAsync(fileName, args).GetAwaiter().GetResult();

    public static Task<ProcResult> RunAsync(string fileName, params string[] args) =>
        RunAsync(fileName, args, timeout: null);

    /// <summary>
    /// Runs <paramref name="fileName"/> and returns whatever exit code it had; call
    /// <see cref="ProcResult.EnsureSuccess"/> to turn a failure into an exception naming the command and its stderr.
    /// On timeout the whole process tree is killed and a <see cref="TimeoutException"/> carries the output so far.
    /// </summary>
    public static async Task<ProcResult> RunAsync(
        string fileName,
        IEnumerable<string> args,
        TimeSpan? timeout = null,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? stdin = null,
        CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        var commandLine = string.Join(' ', new[] { fileName }.Concat(psi.ArgumentList).Select(Quote));

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {commandLine}");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();

        var limit = timeout ?? DefaultTimeout;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(limit);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            var partial = new ProcResult(commandLine, -1, await stdout, await stderr, watch.Elapsed);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{commandLine} did not finish within {limit}\n{partial.Describe()}");
        }
        return new ProcResult(commandLine, process.ExitCode, await stdout, await stderr, watch.Elapsed);
    }

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@,+%".Contains(c))
            ? arg
            : "'" + arg.Replace("'", "'\\''") + "'";
}

public sealed record ProcResult(string CommandLine, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    public ProcResult EnsureSuccess() => Succeeded ? this : throw new ProcFailedException(this);

    public string Describe()
    {
        var sb = new StringBuilder($"command: {CommandLine}\nexit code: {ExitCode}");
        if (Stdout.Length > 0) sb.Append("\nstdout:\n").Append(Stdout.TrimEnd());
        if (Stderr.Length > 0) sb.Append("\nstderr:\n").Append(Stderr.TrimEnd());
        return sb.ToString();
    }
}

public sealed class ProcFailedException(ProcResult result) : Exception($"command failed\n{result.Describe()}")
{
    public ProcResult Result { get; } = result;
}
