using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Recovery;

/// <summary>
/// What every recovery spec shares: one registry, the images pushed to it once (built on first use), and umoci's
/// unpack of each image as the reference a node's rootfs must equal.
/// </summary>
public sealed class RecoveryFixture : IAsyncLifetime
{
    private readonly TempDir _dir = TempDir.Create("recovery-fixture");
    private readonly Lazy<Task<RecoveryImage>> _app;
    private readonly Lazy<Task<RecoveryImage>> _tools;
    private readonly Lazy<Task<RecoveryImage>> _tiny;
    private readonly Dictionary<string, Lazy<Task<FileTree>>> _references = [];
    private RegistryProcess? _registry;

    public RecoveryFixture()
    {
        _app = new(() => PushAsync("recovery/app", RecoveryImages.App));
        _tools = new(() => PushAsync("recovery/tools", RecoveryImages.Tools));
        _tiny = new(() => PushAsync("recovery/tiny", RecoveryImages.Tiny));
    }

    public RegistryProcess Registry => _registry ?? throw new InvalidOperationException("recovery fixture not initialized");

    public Task<RecoveryImage> App => _app.Value;

    public Task<RecoveryImage> Tools => _tools.Value;

    public Task<RecoveryImage> Tiny => _tiny.Value;

    /// <summary>The file tree umoci unpacks from the image's OCI layout; computed once per image.</summary>
    public Task<FileTree> ExpectedRootfsAsync(RecoveryImage image)
    {
        Lazy<Task<FileTree>> reference;
        lock (_references)
        {
            if (!_references.TryGetValue(image.Repository, out reference!))
                _references[image.Repository] = reference = new Lazy<Task<FileTree>>(() => UnpackWithUmociAsync(image));
        }
        return reference.Value;
    }

    private async Task<RecoveryImage> PushAsync(string repository, Func<TestImage> build)
    {
        var image = await Task.Run(build);
        await image.PushAsync(Registry, repository, "1");
        return new RecoveryImage(repository, "1", image);
    }

    private async Task<FileTree> UnpackWithUmociAsync(RecoveryImage image)
    {
        var name = image.Repository.Replace('/', '-');
        var layout = _dir.Combine(name + "-layout");
        var bundle = _dir.Combine(name + "-bundle");
        await Task.Run(() => image.Image.WriteOciLayout(layout, image.Tag));
        var rootfs = await Umoci.UnpackAsync(layout, image.Tag, bundle);
        var tree = await Task.Run(() => FileTree.Capture(rootfs));
        TempDir.ForceDelete(bundle);
        TempDir.ForceDelete(layout);
        return tree;
    }

    public async Task InitializeAsync() => _registry = await RegistryProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_registry is not null) await _registry.DisposeAsync();
        _dir.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class RecoveryCollection : ICollectionFixture<RecoveryFixture>
{
    // One at a time: the specs time kills against progress and measure recovery, which parallel pulls on two
    // cores would blur.
    public const string Name = "Recovery";
}
