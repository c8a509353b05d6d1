using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using PullCluster.Cmd.Connection;
using PullCluster.Core.Gateway;
using PullCluster.Core.Layers;

namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// A PullCluster node (<c>dotnet pullcluster-node.dll</c> from the test output) as a separate OS process with a
/// unix socket of its own beside its store (and, when asked, TCP on 127.0.0.1:&lt;free port&gt;), driven through
/// its gateway the way the CLI drives it. Its stdout and stderr go to
/// <see cref="LogPath"/> and <see cref="Log"/>. It can be killed like a power cut (<see cref="Kill9"/>) or stopped
/// (<see cref="StopAsync"/>); dispose kills it if it still runs.
/// </summary>
/// <remarks>
/// A small shell watchdog reads a pipe from this process and SIGKILLs the node when the pipe closes, so a test
/// host that crashes leaves no node behind.
/// </remarks>
public sealed partial class NodeProcess : IAsyncDisposable
{
    public const string BinaryName = "pullcluster-node.dll";

    private const string WatchdogScript = """read -r _; kill -9 "$1" 2>/dev/null""";

    private static readonly string[] InheritedSettings =
        ["PULLCLUSTER_FAILPOINT", "PULLCLUSTER_POSTGRES", "PULLCLUSTER_NODE", "PULLCLUSTER_SOCKET", "PULLCLUSTER_TOKEN_FILE",
         "PULLCLUSTER_STORE", "PULLCLUSTER_CONFIG", "PULLCLUSTER_REMOTE", "PULLCLUSTER_REMOTE_TLS_CERT", "PULLCLUSTER_REMOTE_TLS_CA",
         "PULLCLUSTER_REMOTE_TLS_PASSWORD", "PULLCLUSTER_SEEDS", "PULLCLUSTER_SECRET_FILE", "PULLCLUSTER_HTTP",
         "PULLCLUSTER_PEER_URL"];

    private readonly Process _process;
    private readonly Process _watchdog;
    private readonly StreamWriter _logFile;
    private readonly List<string> _lines = [];
    private readonly Stopwatch _sinceSpawn;
    private readonly int _pid;
    private int? _exitCodeAfterDispose;
    private int _disposed;

    private NodeProcess(Process process, Process watchdog, StreamWriter logFile, string logPath, string store, string socket, int? port, Stopwatch sinceSpawn)
    {
        _process = process;
        _watchdog = watchdog;
        _logFile = logFile;
        LogPath = logPath;
        Store = store;
        SocketPath = socket;
        Port = port;
        _sinceSpawn = sinceSpawn;
        _pid = process.Id;
    }

    /// <summary>How a node is started besides its store.</summary>
    /// <param name="Postgres">An Npgsql connection string for <c>--postgres</c>; null keeps the journal in SQLite.</param>
    /// <param name="Environment">Extra variables, e.g. PULLCLUSTER_FAILPOINT.</param>
    /// <param name="StartTimeout">How long the gateway may take to answer a ping.</param>
    /// <param name="Tcp">Also listen on TCP, on <paramref name="TcpHost"/>:&lt;free port&gt; (<c>--node</c>); reached on 127.0.0.1.</param>
    /// <param name="TokenFile">The admin token's file (<c>--token-file</c>).</param>
    /// <param name="ConfigFile">HOCON over config/pullcluster.conf (<c>--config</c>), e.g. the access groups.</param>
    /// <param name="Socket">The socket's path; null: a fresh one beside the store.</param>
    /// <param name="Remote">The cluster endpoint, <c>HOST:PORT</c> (<c>--remote</c>), e.g. <c>127.0.0.12:4053</c>.</param>
    /// <param name="Http">The peer HTTP listener, <c>HOST:PORT</c> (<c>--http</c>).</param>
    /// <param name="SecretFile">The farm's shared secret (<c>--secret-file</c>).</param>
    /// <param name="Seeds">Seed nodes' cluster endpoints, one <c>--seed</c> each; may include <paramref name="Remote"/>.</param>
    /// <param name="PeerUrl">Where peers are told to reach <paramref name="Http"/> (<c>--peer-url</c>), e.g. a proxy in front of it.</param>
    public sealed record Options(
        string? Postgres = null,
        IReadOnlyDictionary<string, string>? Environment = null,
        TimeSpan? StartTimeout = null,
        bool Tcp = false,
        string? TokenFile = null,
        string? ConfigFile = null,
        string? Socket = null,
        string TcpHost = "127.0.0.1",
        string? Remote = null,
        string? Http = null,
        string? SecretFile = null,
        IReadOnlyList<string>? Seeds = null,
        string? PeerUrl = null);

    /// <summary>What a gateway request got: the final reply (null when the connection ended without one) and every progress line.</summary>
    public sealed record Outcome(GatewayReply? Final, IReadOnlyList<PullProgressDto> Progress, TimeSpan Elapsed)
    {
        /// <summary>The node went away (killed, crashed) before answering.</summary>
        public bool Interrupted => Final is null;

        public PullProgressDto? LastProgress => Progress.Count > 0 ? Progress[^1] : null;

        /// <summary>The pull's result; throws with the node's error message when the pull did not succeed.</summary>
        public PullResultDto Result => Final switch
        {
            { Kind: GatewayKinds.Result, Result: { } result } => result,
            { Kind: GatewayKinds.Error } error => throw new InvalidOperationException($"the node answered with an error: {error.Message}"),
            { } other => throw new InvalidOperationException($"the node answered '{other.Kind}' ({other.Message}) where a pull result was expected"),
            null => throw new InvalidOperationException("the node closed the connection without a final reply"),
        };
    }

    public static string BinaryPath => Path.Combine(AppContext.BaseDirectory, BinaryName);

    public string Store { get; }

    /// <summary>The node's unix socket (--socket), which <see cref="RequestAsync"/> talks to.</summary>
    public string SocketPath { get; }

    /// <summary>The TCP port when started with <see cref="Options.Tcp"/>.</summary>
    public int? Port { get; }

    /// <summary><c>127.0.0.1:port</c>, the node's --node address, when it listens on TCP.</summary>
    public string TcpAddress => Port is { } port ? $"127.0.0.1:{port}" : throw new InvalidOperationException($"{this} does not listen on TCP");

    /// <summary>Where the node is reached, for messages.</summary>
    public string Address => SocketPath;

    public int ProcessId => _pid;

    public string LogPath { get; }

    /// <summary>Everything the node wrote to stdout and stderr so far.</summary>
    public string Log
    {
        get { lock (_lines) return string.Join('\n', _lines); }
    }

    /// <summary>The log's lines so far.</summary>
    public IReadOnlyList<string> LogLines
    {
        get { lock (_lines) return _lines.ToArray(); }
    }

    /// <summary>From spawning the process to its gateway's first pong.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Time since the process was spawned.</summary>
    public TimeSpan Uptime => _sinceSpawn.Elapsed;

    public bool HasExited => Volatile.Read(ref _disposed) != 0 || _process.HasExited;

    /// <summary>The exit code once the node has exited (137 after SIGKILL); null while it runs.</summary>
    public int? ExitCode => Volatile.Read(ref _disposed) != 0 ? _exitCodeAfterDispose : _process.HasExited ? _process.ExitCode : null;

    /// <summary>Starts a node on <paramref name="store"/> and waits until its gateway answers a ping.</summary>
    public static async Task<NodeProcess> StartAsync(string store, Options? options = null)
    {
        options ??= new Options();
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var node = Spawn(store, options.Tcp ? FreePort.Next() : null, options);
            try
            {
                await node.WaitUntilAnsweringAsync(options.StartTimeout ?? TimeSpan.FromSeconds(60));
                return node;
            }
            catch (PortTakenException) when (attempt < attempts)
            {
                await node.DisposeAsync();
                // A farm node restarts on the ports it had: give the kernel a moment to release them.
                if (options.Remote is not null || options.Http is not null) await Task.Delay(TimeSpan.FromSeconds(1));
            }
            catch
            {
                await node.DisposeAsync();
                throw;
            }
        }
    }

    private static NodeProcess Spawn(string store, int? port, Options options)
    {
        if (!File.Exists(BinaryPath))
            throw new FileNotFoundException($"the node binary {BinaryPath} is missing: the test project must reference src/Host", BinaryPath);
        Directory.CreateDirectory(store);
        var psi = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = store,
        };
        var parent = Path.GetDirectoryName(Path.GetFullPath(store).TrimEnd('/'))!;
        var socket = options.Socket ?? Path.Combine(parent, $"node-{Guid.NewGuid():N}"[..13] + ".sock");
        foreach (var a in new[] { BinaryPath, "--socket", socket, "--store", store }) psi.ArgumentList.Add(a);
        if (port is { } tcp)
        {
            psi.ArgumentList.Add("--node");
            psi.ArgumentList.Add($"{options.TcpHost}:{tcp}");
        }
        if (options.TokenFile is { } tokenFile)
        {
            psi.ArgumentList.Add("--token-file");
            psi.ArgumentList.Add(tokenFile);
        }
        if (options.ConfigFile is { } configFile)
        {
            psi.ArgumentList.Add("--config");
            psi.ArgumentList.Add(configFile);
        }
        if (options.Postgres is { } postgres)
        {
            psi.ArgumentList.Add("--postgres");
            psi.ArgumentList.Add(postgres);
        }
        foreach (var (flag, value) in new[] { ("--remote", options.Remote), ("--http", options.Http), ("--secret-file", options.SecretFile),
                     ("--peer-url", options.PeerUrl) })
        {
            if (value is null) continue;
            psi.ArgumentList.Add(flag);
            psi.ArgumentList.Add(value);
        }
        foreach (var seed in options.Seeds ?? [])
        {
            psi.ArgumentList.Add("--seed");
            psi.ArgumentList.Add(seed);
        }
        foreach (var name in InheritedSettings) psi.Environment.Remove(name);
        foreach (var (k, v) in options.Environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;

        var logPath = Path.Combine(parent,
            $"{Path.GetFileName(Path.GetFullPath(store).TrimEnd('/'))}-node-{DateTime.UtcNow:HHmmss.fff}-{Path.GetFileNameWithoutExtension(socket)}.log");
        var logFile = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var clock = Stopwatch.StartNew();
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {psi.FileName} {BinaryPath}");
        process.StandardInput.Close();
        var watchdog = StartWatchdog(process.Id);
        var node = new NodeProcess(process, watchdog, logFile, logPath, store, socket, port, clock);
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static Process StartWatchdog(int pid)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in new[] { "-c", WatchdogScript, "node-watchdog", pid.ToString() }) psi.ArgumentList.Add(a);
        return Process.Start(psi) ?? throw new InvalidOperationException("could not start the node watchdog (/bin/sh)");
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_lines)
        {
            _lines.Add(line);
            _logFile.WriteLine(line);
        }
    }

    private async Task WaitUntilAnsweringAsync(TimeSpan timeout)
    {
        while (_sinceSpawn.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit();
                if (Log.Contains("Address already in use", StringComparison.Ordinal)) throw new PortTakenException();
                throw new InvalidOperationException($"node on {Address} (store {Store}) exited with {_process.ExitCode} during start-up; log ends:\n{LogTail()}");
            }
            try
            {
                var pong = await RequestAsync(new GatewayRequest(GatewayOps.Ping), TimeSpan.FromSeconds(5));
                if (pong.Final is { Kind: GatewayKinds.Ok })
                {
                    StartupTime = _sinceSpawn.Elapsed;
                    return;
                }
            }
            catch (Exception e) when (e is SocketException or IOException or TimeoutException)
            {
            }
            await Task.Delay(25);
        }
        throw new TimeoutException($"node on {Address} (store {Store}) did not answer a ping within {timeout}; log ends:\n{LogTail()}");
    }

    /// <summary>Pulls <paramref name="image"/> through the gateway, as <c>pullcluster pull</c> does; progress lines go to <paramref name="onProgress"/>.</summary>
    public Task<Outcome> PullAsync(string image, Action<PullProgressDto>? onProgress = null, TimeSpan? timeout = null) =>
        RequestAsync(new GatewayRequest(GatewayOps.Pull, Image: image), timeout ?? TimeSpan.FromMinutes(3), onProgress);

    /// <summary>
    /// Receives the image's flattened root filesystem (gateway op rootfs) and extracts it into <paramref name="dir"/>
    /// (missing or empty), as <c>pullcluster image rootfs</c> does; throws unless the node ends the stream with ok.
    /// </summary>
    public async Task RootfsAsync(string image, string dir)
    {
        Directory.CreateDirectory(dir);
        await Task.Run(() => new GatewayClient(new UnixSocketEndpoint(SocketPath), replyTimeout: TimeSpan.FromMinutes(2)).Receive(
            new GatewayRequest(GatewayOps.Rootfs, Image: image), $"rootfs of {image}",
            tar => TreeExtractor.Extract(tar, dir, new LayerApplyOptions(), CancellationToken.None)));
    }

    public Task<Outcome> PingAsync() => RequestAsync(new GatewayRequest(GatewayOps.Ping), TimeSpan.FromSeconds(10));

    /// <summary>
    /// Sends one request and reads replies until a final one. A connection the node closes without a final reply
    /// (it was killed) gives an <see cref="Outcome"/> with no Final; throws TimeoutException after <paramref name="timeout"/>.
    /// </summary>
    public async Task<Outcome> RequestAsync(GatewayRequest request, TimeSpan timeout, Action<PullProgressDto>? onProgress = null)
    {
        var clock = Stopwatch.StartNew();
        using var cts = new CancellationTokenSource(timeout);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var progress = new List<PullProgressDto>();
        try
        {
            await client.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), cts.Token);
            await using var stream = new NetworkStream(client, ownsSocket: false);
            await stream.WriteAsync(GatewayCodec.EncodeRequestLine(request), cts.Token);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await ReadLineOrEndAsync(reader, cts.Token) is { } text)
            {
                if (string.IsNullOrWhiteSpace(text)) continue;
                var reply = GatewayCodec.DecodeReply(Encoding.UTF8.GetBytes(text));
                if (!GatewayKinds.IsFinal(reply.Kind))
                {
                    if (reply.Progress is { } p)
                    {
                        progress.Add(p);
                        onProgress?.Invoke(p);
                    }
                    continue;
                }
                return new Outcome(reply, progress, clock.Elapsed);
            }
            return new Outcome(null, progress, clock.Elapsed);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"node {Address} did not finish the {request.Op} of {request.Image ?? "-"} within {timeout}; last progress: " +
                $"{(progress.Count > 0 ? Describe(progress[^1]) : "none")}");
        }
    }

    /// <summary>A line, or null when the node closed or reset the connection.</summary>
    private static async Task<string?> ReadLineOrEndAsync(StreamReader reader, CancellationToken ct)
    {
        try
        {
            return await reader.ReadLineAsync(ct);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>One line per layer: state and bytes, for failure messages and test output.</summary>
    public static string Describe(PullProgressDto progress) =>
        string.Join("; ", progress.Layers.Select(l => $"{l.Digest[..19]} {l.State} {l.Done}/{l.Size}"));

    /// <summary>Waits for a log line containing <paramref name="text"/> and returns it.</summary>
    public Task<string> WaitForLogAsync(string text, TimeSpan timeout) =>
        WaitForLogAsync(line => line.Contains(text, StringComparison.Ordinal), $"containing '{text}'", timeout);

    /// <summary>Waits for a log line that <paramref name="matches"/> (<paramref name="what"/> describes it for the timeout message) and returns it.</summary>
    public async Task<string> WaitForLogAsync(Func<string, bool> matches, string what, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var searched = 0;
        string? Search()
        {
            lock (_lines)
            {
                for (; searched < _lines.Count; searched++)
                    if (matches(_lines[searched])) return _lines[searched];
            }
            return null;
        }
        while (true)
        {
            if (Search() is { } line) return line;
            if (_process.HasExited)
            {
                _process.WaitForExit();
                return Search() ?? throw new InvalidOperationException(
                    $"node {Address} exited with {_process.ExitCode} before logging a line {what}; log ends:\n{LogTail()}");
            }
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"node {Address} logged no line {what} within {timeout}; log ends:\n{LogTail()}");
            await Task.Delay(20);
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of the log, for failure messages.</summary>
    public string LogTail(int lines = 40)
    {
        lock (_lines) return string.Join('\n', _lines.TakeLast(lines));
    }

    /// <summary>SIGKILL, as a power cut or the OOM killer ends a process; returns once it has exited.</summary>
    public void Kill9()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill();
            }
            catch (InvalidOperationException)
            {
            }
        }
        _process.WaitForExit();
    }

    /// <summary>
    /// SIGSTOP: the process freezes where it is, its sockets open but silent, as a host that hangs; a transfer it
    /// serves stops mid-stream. <see cref="Kill9"/> still ends it.
    /// </summary>
    public void Freeze() => Signal(SigStop, "SIGSTOP");

    /// <summary>SIGCONT after <see cref="Freeze"/>.</summary>
    public void Thaw() => Signal(SigCont, "SIGCONT");

    private void Signal(int signal, string name)
    {
        if (_process.HasExited) throw new InvalidOperationException($"{name} to {this}: it has exited with {_process.ExitCode}");
        if (Kill(_process.Id, signal) != 0)
            throw new InvalidOperationException($"{name} to {this} failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Waits for the node to end by itself (a failpoint); throws if it still runs after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"node {Address} still runs after {timeout}; log ends:\n{LogTail()}");
        }
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, a clean shutdown; SIGKILL and throw if it takes longer than <paramref name="timeout"/> (default 30 s).</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (_process.HasExited) return;
        if (Kill(_process.Id, SigTerm) != 0 && !_process.HasExited)
            throw new InvalidOperationException($"SIGTERM to node {Address} (pid {_process.Id}) failed: errno {Marshal.GetLastPInvokeError()}");
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill9();
            throw new TimeoutException($"node {Address} did not stop within {limit} of SIGTERM and was killed; log ends:\n{LogTail()}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Kill9();
        // The watchdog goes first so that closing its pipe cannot send a SIGKILL to a reused pid.
        try
        {
            _watchdog.Kill();
            await _watchdog.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
        }
        _watchdog.StandardInput.Close();
        _watchdog.Dispose();
        _exitCodeAfterDispose = _process.ExitCode;
        _process.Dispose();
        lock (_lines) _logFile.Dispose();
    }

    public override string ToString() => $"node {Address} (store {Store}, pid {_pid})";

    private const int SigTerm = 15;
    private const int SigStop = 19;
    private const int SigCont = 18;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private sealed class PortTakenException : Exception;
}
