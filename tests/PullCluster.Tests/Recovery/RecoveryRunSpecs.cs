using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.Recovery;

/// <summary>What every recovery spec class shares: a fresh run (store, journal database, node launcher) per test.</summary>
public abstract class RecoveryRunSpecs(ITestOutputHelper output) : IAsyncLifetime
{
    private RecoveryRun? _run;

    protected abstract JournalKind Journal { get; }

    protected RecoveryRun Run => _run ?? throw new InvalidOperationException("the run was not created");

    public async Task InitializeAsync() => _run = await RecoveryRun.CreateAsync(Journal, output);

    public async Task DisposeAsync()
    {
        if (_run is not null) await _run.DisposeAsync();
    }
}
