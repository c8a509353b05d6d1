using System.Diagnostics;
using PullCluster.Core.Formats;
using PullCluster.Core.Store;

namespace PullCluster.Tests.EndToEnd;

/// <summary>
/// Polls a store's layers while a pull runs: when each chain ID's directory first appeared, whether a child was ever
/// seen without its parent, and the most unfinished unpacks (staging directories) seen while a condition held.
/// A child is looked at before its parent, so "child present, parent absent" is a real ordering violation; layers
/// found in the same poll get the same time.
/// </summary>
internal sealed class LayerStoreWatch : IAsyncDisposable
{
    private readonly StoreLayout _layout;
    private readonly IReadOnlyList<Digest> _chain;
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _loop;
    private readonly TimeSpan?[] _firstSeen;
    private readonly List<string> _violations = [];
    private readonly Func<bool> _during;
    private int _mostStaged;

    public LayerStoreWatch(StoreLayout layout, IReadOnlyList<Digest> chainIds, Func<bool> during)
    {
        _layout = layout;
        _chain = chainIds;
        _during = during;
        _firstSeen = new TimeSpan?[chainIds.Count];
        _loop = Task.Run(LoopAsync);
    }

    public IReadOnlyList<TimeSpan?> FirstSeen => _firstSeen;

    public IReadOnlyList<string> Violations => _violations;

    /// <summary>The most staging directories seen at once while the condition given to the constructor held.</summary>
    public int MostStagedDuring => _mostStaged;

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Poll();
            await Task.Delay(2);
        }
        Poll();
    }

    private void Poll()
    {
        var now = _clock.Elapsed;
        var present = new bool[_chain.Count];
        for (var i = _chain.Count - 1; i >= 0; i--)
        {
            present[i] = Directory.Exists(_layout.LayerPath(_chain[i]));
            if (present[i] && _firstSeen[i] is null) _firstSeen[i] = now;
            if (i + 1 < _chain.Count && present[i + 1] && !present[i])
                _violations.Add($"layer {i + 1} ({_chain[i + 1]}) committed while its parent {_chain[i]} was not, at {now}");
        }
        if (!_during()) return;
        var staged = Directory.GetDirectories(_layout.LayerStaging).Length;
        if (_during()) _mostStaged = Math.Max(_mostStaged, staged);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _loop;
        _stop.Dispose();
    }
}
