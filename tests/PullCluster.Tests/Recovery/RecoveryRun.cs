using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.Recovery;

/// <summary>
/// One spec's store, journal and the nodes run on them one after another (a node, its kill, its restart). On
/// dispose every node is killed, the tail of each node's log goes to the test output, and the store is deleted.
/// </summary>
public sealed class RecoveryRun : IAsyncDisposable
{
    private const int LogTailLines = 30;

    private readonly ITestOutputHelper _output;
    private readonly TempDir _dir = TempDir.Create("recovery");
    private readonly List<NodeProcess> _nodes = [];
    private int _rootfsCount;

    private RecoveryRun(TestJournal journal, ITestOutputHelper output)
    {
        Journal = journal;
        _output = output;
        Store = _dir.Subdirectory("store");
    }

    public static async Task<RecoveryRun> CreateAsync(JournalKind kind, ITestOutputHelper output) =>
        new(await TestJournal.CreateAsync(kind), output);

    public TestJournal Journal { get; }

    public string Store { get; }

    public StoreContents Files => new(Store);

    /// <summary>Starts a node on this run's store (or on <paramref name="store"/>, for a cold comparison).</summary>
    public async Task<NodeProcess> StartNodeAsync(IReadOnlyDictionary<string, string>? environment = null, string? store = null,
        TimeSpan? startTimeout = null)
    {
        var node = await NodeProcess.StartAsync(store ?? Store, Journal.NodeOptions(environment, startTimeout));
        lock (_nodes) _nodes.Add(node);
        return node;
    }

    /// <summary>A fresh store beside this run's, for a cold pull to compare with.</summary>
    public string NewStore(string name) => _dir.Subdirectory(name);

    /// <summary>Writes the image's rootfs through the node and captures it.</summary>
    public async Task<FileTree> RootfsAsync(NodeProcess node, string image)
    {
        var dir = _dir.Combine($"rootfs-{Interlocked.Increment(ref _rootfsCount)}");
        await node.RootfsAsync(image, dir);
        var tree = await Task.Run(() => FileTree.Capture(dir));
        TempDir.ForceDelete(dir);
        return tree;
    }

    /// <summary>The node's rootfs of <paramref name="reference"/> equals <paramref name="expected"/> (umoci's unpack).</summary>
    public async Task AssertRootfsEqualsAsync(NodeProcess node, string reference, FileTree expected)
    {
        var actual = await RootfsAsync(node, reference);
        var diff = FileTree.Diff(expected, actual);
        Assert.True(diff.Count == 0,
            $"the rootfs of {reference} differs from umoci's unpack in {diff.Count} places:\n{string.Join("\n", diff.Take(40))}");
    }

    public void WriteLine(string line) => _output.WriteLine(line);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
            var lines = node.LogLines;
            _output.WriteLine($"--- {node} exit {node.ExitCode}, last {Math.Min(LogTailLines, lines.Count)} of {lines.Count} log lines:");
            foreach (var line in lines.TakeLast(LogTailLines)) _output.WriteLine(line);
        }
        await Journal.DisposeAsync();
        // rm takes a second for a store of 100,000 blobs; TempDir's managed recursive delete took 42 s.
        await Proc.RunAsync("rm", ["-rf", "--one-file-system", _dir.Path], TimeSpan.FromMinutes(2));
        _dir.Dispose();
    }
}
