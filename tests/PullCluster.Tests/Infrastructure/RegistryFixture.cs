using Xunit;

namespace PullCluster.Tests.Infrastructure;

/// <summary>
/// One registry per test class (<c>IClassFixture&lt;RegistryFixture&gt;</c>). Test classes run in parallel, so each
/// class gets its own registry and access log; tests within a class run one at a time, so
/// <see cref="AccessLog.Mark"/> at the start of a test isolates its requests.
/// </summary>
public sealed class RegistryFixture : IAsyncLifetime
{
    private RegistryProcess? _registry;

    public RegistryProcess Registry => _registry ?? throw new InvalidOperationException("registry fixture not initialized");

    public async Task InitializeAsync() => _registry = await RegistryProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_registry is not null) await _registry.DisposeAsync();
    }
}
