using PullCluster.Core.Gateway;
using PullCluster.Tests.Infrastructure;

namespace PullCluster.Tests.Recovery;

/// <summary>
/// SIGKILLs a node the moment a pull's progress line satisfies a condition, from the thread reading that line, so
/// the kill lands in the state the line describes (give <see cref="Observe"/> to NodeProcess.PullAsync).
/// With several pulls watched, the condition sees the latest line of each.
/// </summary>
public sealed class KillSwitch(NodeProcess node, Func<IReadOnlyDictionary<string, PullProgressDto>, bool> condition)
{
    private readonly Dictionary<string, PullProgressDto> _latest = [];
    private IReadOnlyDictionary<string, PullProgressDto>? _atKill;

    /// <summary>A kill switch watching one pull.</summary>
    public static KillSwitch When(NodeProcess node, Func<PullProgressDto, bool> condition) =>
        new(node, latest => latest.Values.Any(condition));

    public bool Fired => _atKill is not null;

    /// <summary>The latest progress line of each pull when the kill fired; throws if it never did.</summary>
    public IReadOnlyDictionary<string, PullProgressDto> AtKill =>
        _atKill ?? throw new InvalidOperationException(
            $"the kill never fired: no progress line met the condition; last lines: {string.Join(" | ", _latest.Select(kv => $"{kv.Key}: {NodeProcess.Describe(kv.Value)}"))}");

    public void Observe(PullProgressDto progress)
    {
        IReadOnlyDictionary<string, PullProgressDto> snapshot;
        lock (_latest)
        {
            if (_atKill is not null) return;
            _latest[progress.Image] = progress;
            snapshot = new Dictionary<string, PullProgressDto>(_latest);
            if (!condition(snapshot)) return;
            _atKill = snapshot;
        }
        node.Kill9();
    }
}
