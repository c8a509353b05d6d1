using System.Runtime.Versioning;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Access;

/// <summary>
/// What the access specs share: a registry with one small image, the two groups the node's access rules name
/// (created with groupadd -f, so reruns and parallel runs agree), and a directory every user can traverse, for
/// sockets, stores and HOMEs that an unprivileged CLI must reach.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class AccessFixture : IAsyncLifetime
{
    public const string UsersGroup = "pullcluster-test-users";
    public const string AdminsGroup = "pullcluster-test-admins";

    private RegistryProcess? _registry;
    private NodeProcess? _node;

    public TempDir Dir { get; } = TempDir.Create("access");

    public RegistryProcess Registry => _registry ?? throw new InvalidOperationException("access fixture not initialized");

    public TestImage Image { get; } = TestImage.Oci()
        .Layer(l => l.Dir("etc").File("etc/motd", "only those allowed\n"))
        .Build();

    /// <summary>A node (run as root) on a socket in <see cref="Dir"/>, with the test groups, and on loopback TCP with
    /// the token in <see cref="TokenFile"/>.</summary>
    public NodeProcess Node => _node ?? throw new InvalidOperationException("access fixture not initialized");

    public string TokenFile => Dir.Combine("admin.token");

    public string Token { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

    public uint UsersGid { get; private set; }

    public uint AdminsGid { get; private set; }

    /// <summary>A --config file that names the test groups as the access and admin groups.</summary>
    public string GroupsConfig => Dir.Combine("groups.conf");

    /// <summary>An empty, traversable HOME for CLI processes.</summary>
    public string Home => Dir.Combine("home");

    public async Task InitializeAsync()
    {
        UsersGid = await RunAs.EnsureGroupAsync(UsersGroup);
        AdminsGid = await RunAs.EnsureGroupAsync(AdminsGroup);
        RunAs.MakeTraversable(Dir.Subdirectory("home"));
        await File.WriteAllTextAsync(GroupsConfig,
            $"pullcluster.access {{ group = \"{UsersGroup}\", admin-group = \"{AdminsGroup}\" }}\n");
        await File.WriteAllTextAsync(TokenFile, Token + "\n");
        File.SetUnixFileMode(TokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _registry = await RegistryProcess.StartAsync();
        _node = await NodeProcess.StartAsync(Dir.Combine("store"),
            new NodeProcess.Options(Tcp: true, TokenFile: TokenFile, ConfigFile: GroupsConfig, Socket: Dir.Combine("node.sock")));
    }

    /// <summary>The references of the images the node holds, asked as root on its socket.</summary>
    public async Task<IReadOnlyList<string>> ImagesAsync()
    {
        var outcome = await Node.RequestAsync(new Core.Gateway.GatewayRequest(Core.Gateway.GatewayOps.ListImages), TimeSpan.FromSeconds(30));
        return outcome.Final?.Images?.Select(i => i.Image).ToList()
            ?? throw new InvalidOperationException($"the node answered the image list with {outcome.Final?.Kind}: {outcome.Final?.Message}");
    }

    /// <summary>Pulls as root on the socket; throws unless the pull succeeds.</summary>
    public async Task PullAsRootAsync(string image) => _ = (await Node.PullAsync(image)).Result;

    /// <summary>Pushes the image under a tag of its own, so that a spec's pulls and removals touch only its reference.</summary>
    public async Task<string> PushAsync(string tag) => (await Image.PushAsync(Registry, "access/app", tag)).TagReference;

    public async Task DisposeAsync()
    {
        if (_node is not null) await _node.DisposeAsync();
        if (_registry is not null) await _registry.DisposeAsync();
        Dir.Dispose();
    }
}
