using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using PullCluster.Cmd.Connection;
using PullCluster.Core.Gateway;
using PullCluster.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PullCluster.Tests.EndToEnd;

/// <summary>
/// <c>pullcluster image rootfs</c> and <c>image export</c> as real processes: a node process (root, like a real node)
/// and the CLI binary, run as root or as the unprivileged user 65534. The node streams the content and the CLI writes
/// it, so what the CLI may not write stays unwritten, and what it writes belongs to whoever ran it.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class CliRootfsExportSpecs(CliRootfsExportSpecs.Fixture fixture, ITestOutputHelper output)
    : IClassFixture<CliRootfsExportSpecs.Fixture>
{
    private const int Nobody = 65534;

    private static readonly Dictionary<string, string> Xattrs = new() { ["user.origin"] = "base layer" };

    private static readonly TestImage Rich = TestImage.Oci()
        .Layer(l => l
            .Dir("etc")
            .File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
            .File("etc/doomed", "deleted by the next layer")
            .File("etc/app.conf", "key=value\n", xattrs: Xattrs)
            .Dir("home", mode: "755")
            .Dir("home/user", mode: "750", uid: 1000, gid: 1001)
            .File("home/user/notes", "mine", mode: "640", uid: 1000, gid: 1001)
            .Dir("usr")
            .Dir("usr/bin")
            .File("usr/bin/su", "suid binary", mode: "4755")
            .Hardlink("usr/bin/su-again", "usr/bin/su")
            .Symlink("usr/long-link", "/opt/" + new string('t', 120) + "/target")
            .File("srv/" + new string('n', 130) + ".conf", "a name longer than 100 characters")
            .Dir("tmp", mode: "1777")
            .Dir("opt")
            .File("opt/old", "hidden by the opaque opt/ above")
            .Dir("dev")
            .CharDevice("dev/null", 1, 3)
            .Dir("run")
            .Fifo("run/initctl", mode: "600"))
        .Layer(l => l
            .Dir("etc")
            .Whiteout("etc/doomed")
            .Dir("opt")
            .OpaqueDir("opt")
            .File("opt/new", "written after the opaque marker")
            .Dir("usr")
            .Dir("usr/bin")
            .File("usr/bin/busybox", "multi-call binary", mode: "755")
            .Hardlink("usr/bin/ls", "usr/bin/busybox")
            .Dir("readonly", mode: "555")
            .File("readonly/file", "in a directory without write permission", mode: "444"))
        .Build();

    /// <summary>One registry and one node process for the class, with the test images pushed and pulled.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private readonly TempDir _dir = TempDir.Create("cli-writes");

        public RegistryProcess Registry { get; private set; } = null!;
        public NodeProcess Node { get; private set; } = null!;
        public string RichRef { get; private set; } = "";
        public string LargeRef { get; private set; } = "";
        public string RichRootfs { get; private set; } = "";
        public TestImage Large { get; private set; } = null!;

        /// <summary>The node's access group (pullcluster): the unprivileged CLI is a member, as a user of the node is.</summary>
        public uint AccessGroup { get; private set; }

        /// <summary>A fresh path in the class's temp directory; nothing is created.</summary>
        public string Scratch(string name) => _dir.Combine($"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)]);

        /// <summary>A fresh empty directory owned by <paramref name="uid"/>, as a user's own directory is.</summary>
        public string OwnedDirectory(string name, int uid)
        {
            var dir = Scratch(name);
            Directory.CreateDirectory(dir);
            Proc.Run("chown", $"{uid}:{uid}", dir).EnsureSuccess();
            return dir;
        }

        public async Task InitializeAsync()
        {
            Registry = await RegistryProcess.StartAsync();
            AccessGroup = await RunAs.EnsureGroupAsync(GatewayClient.AccessGroup);
            Node = await NodeProcess.StartAsync(_dir.Subdirectory("store"));
            RunAs.MakeTraversable(Path.GetDirectoryName(Node.SocketPath)!);
            RichRef = (await Rich.PushAsync(Registry, RepoName.Unique("rich"), "1")).TagReference;
            Large = TestImage.Oci()
                .Layer(TestLayer.FromDirectory("/usr/lib/x86_64-linux-gnu", 60L << 20, targetPrefix: "usr/lib/x86_64-linux-gnu"))
                .Build();
            LargeRef = (await Large.PushAsync(Registry, RepoName.Unique("large"), "1")).TagReference;
            _ = (await Node.PullAsync(RichRef)).Result;
            _ = (await Node.PullAsync(LargeRef)).Result;
            var layout = Scratch("layout");
            Rich.WriteOciLayout(layout, "expected");
            RichRootfs = await Umoci.UnpackAsync(layout, "expected", Scratch("bundle"));
        }

        public async Task DisposeAsync()
        {
            if (Node is not null) await Node.DisposeAsync();
            if (Registry is not null) await Registry.DisposeAsync();
            _dir.Dispose();
        }
    }

    private NodeProcess Node => fixture.Node;

    /// <summary>
    /// Runs the CLI binary from the test output, as root or, with <paramref name="uid"/>, as that user and group with the
    /// node's access group as its only supplementary group (setpriv), in a clean environment whose HOME is <paramref name="home"/>.
    /// </summary>
    private async Task<ProcResult> CliAsync(int? uid, string home, params string[] args)
    {
        var binary = Path.Combine(AppContext.BaseDirectory, "pullcluster");
        string[] cli = [.. args, "--socket", Node.SocketPath];
        var (file, command) = uid is { } id ? new RunAs((uint)id, (uint)id, [fixture.AccessGroup]).Wrap(binary, cli) : (binary, cli);
        var environment = new Dictionary<string, string?>
        {
            ["HOME"] = home, ["PULLCLUSTER_STORE"] = null, ["PULLCLUSTER_NODE"] = null, ["PULLCLUSTER_SOCKET"] = null,
        };
        var result = await Proc.RunAsync(file, command, TimeSpan.FromMinutes(2), environment: environment);
        output.WriteLine($"$ {result.CommandLine}\nexit {result.ExitCode}\n{result.Stdout}{result.Stderr}");
        return result;
    }

    /// <summary>The differences but in owners (an unprivileged extraction owns everything) and device nodes (only root makes them).</summary>
    private static List<string> DiffButOwnersAndDevices(FileTree expected, FileTree actual)
    {
        var devices = expected.Nodes.Where(n => n.Value.Type is "char" or "block").Select(n => n.Key).ToList();
        return FileTree.Diff(expected, actual)
            .Where(d => !d.Contains(": uid ") && !d.Contains(": gid ") && !devices.Any(p => d.StartsWith($"missing {p} (")))
            .ToList();
    }

    [Fact]
    public async Task Rootfs_as_an_unprivileged_user_into_a_directory_it_may_not_create_is_permission_denied_and_creates_nothing()
    {
        var target = $"/root/pullcluster-{Guid.NewGuid():N}";
        var home = fixture.OwnedDirectory("home", Nobody);

        var result = await CliAsync(Nobody, home, "image", "rootfs", fixture.RichRef, target);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"pullcluster: cannot create directory '{target}': permission denied\n", result.Stderr);
        Assert.False(Path.Exists(target), $"{target} was created");
    }

    [Fact]
    public async Task Rootfs_as_an_unprivileged_user_into_an_empty_directory_it_may_not_write_is_permission_denied()
    {
        var home = fixture.OwnedDirectory("home", Nobody);
        var rootOwned = fixture.Scratch("root-owned");
        Directory.CreateDirectory(rootOwned);

        var result = await CliAsync(Nobody, home, "image", "rootfs", fixture.RichRef, rootOwned);

        Assert.Equal((1, $"pullcluster: cannot write to '{rootOwned}': permission denied\n"), (result.ExitCode, result.Stderr));
        Assert.Empty(Directory.GetFileSystemEntries(rootOwned));
    }

    [Fact]
    public async Task Export_into_a_directory_the_caller_may_not_write_or_that_is_not_empty_is_refused_and_writes_nothing()
    {
        var home = fixture.OwnedDirectory("home", Nobody);
        var occupied = fixture.OwnedDirectory("occupied", Nobody);
        File.WriteAllText(Path.Combine(occupied, "keep-me"), "mine");
        var etcBefore = Directory.GetFileSystemEntries("/etc").Order().ToList();

        var intoEtc = await CliAsync(Nobody, home, "image", "export", fixture.RichRef, "/etc");
        var intoOwn = await CliAsync(Nobody, home, "image", "export", fixture.RichRef, occupied);
        var rootfsAsRoot = await CliAsync(null, home, "image", "rootfs", fixture.RichRef, occupied);

        Assert.Equal((1, "pullcluster: cannot write to '/etc': permission denied\n"), (intoEtc.ExitCode, intoEtc.Stderr));
        Assert.Equal((1, $"pullcluster: '{occupied}' is not empty; name a missing or empty directory\n"), (intoOwn.ExitCode, intoOwn.Stderr));
        Assert.Equal(1, rootfsAsRoot.ExitCode);
        Assert.Equal(etcBefore, Directory.GetFileSystemEntries("/etc").Order());
        Assert.Equal(["keep-me"], Directory.GetFileSystemEntries(occupied).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Rootfs_as_an_unprivileged_user_is_the_flattened_tree_and_every_file_is_the_users()
    {
        var home = fixture.OwnedDirectory("home", Nobody);
        var target = Path.Combine(home, "rootfs");

        var result = await CliAsync(Nobody, home, "image", "rootfs", fixture.RichRef, target);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"wrote the root filesystem of {fixture.RichRef} to {target}\n", result.Stdout);
        var ours = FileTree.Capture(target);
        Assert.All(ours.Nodes, n => Assert.Equal((Nobody, Nobody), ((int)n.Value.Uid, (int)n.Value.Gid)));
        Assert.Empty(DiffButOwnersAndDevices(FileTree.Capture(fixture.RichRootfs), ours));
        Assert.Equal(Convert.ToUInt32("4755", 8), ours["usr/bin/su"].Mode);
        Assert.Contains("usr/bin/busybox = usr/bin/ls", ours.HardlinkGroups);
        Assert.Equal("fifo", ours["run/initctl"].Type);
        Assert.DoesNotContain("dev/null", ours.Nodes.Keys);
    }

    [Fact]
    public async Task Rootfs_as_root_keeps_owners_modes_hardlinks_xattrs_and_devices_exactly()
    {
        var target = fixture.Scratch("rootfs");

        var result = await CliAsync(null, fixture.Scratch("home"), "image", "rootfs", fixture.RichRef, target);

        Assert.Equal(0, result.ExitCode);
        var ours = FileTree.Capture(target);
        Assert.Empty(FileTree.Diff(FileTree.Capture(fixture.RichRootfs), ours));
        Assert.Equal((1000u, 1001u), (ours["home/user"].Uid, ours["home/user"].Gid));
        Assert.Equal(("char", 1u, 3u), (ours["dev/null"].Type, ours["dev/null"].DevMajor, ours["dev/null"].DevMinor));
        Assert.Equal("\"base layer\"", ours["etc/app.conf"].Xattrs["user.origin"]);
        Assert.Contains("usr/bin/su = usr/bin/su-again", ours.HardlinkGroups);
    }

    [Fact]
    public async Task Export_as_an_unprivileged_user_is_an_oci_layout_of_the_users_files_that_skopeo_and_umoci_read()
    {
        var home = fixture.OwnedDirectory("home", Nobody);
        var layout = Path.Combine(home, "layout");

        var result = await CliAsync(Nobody, home, "image", "export", fixture.RichRef, layout);

        Assert.Equal(0, result.ExitCode);
        Assert.All(FileTree.Capture(layout).Nodes, n => Assert.Equal((Nobody, Nobody), ((int)n.Value.Uid, (int)n.Value.Gid)));
        var blobs = Directory.GetFiles(Path.Combine(layout, "blobs", "sha256"));
        Assert.All(blobs, b => Assert.Equal(Path.GetFileName(b), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(b)))));
        var expected = Rich.Layers.Select(l => l.Digest).Append(Rich.Config.Digest).Append(Rich.Digest).Select(d => d.Hex).Order();
        Assert.Equal(expected, blobs.Select(Path.GetFileName).Order());
        var inspect = (await Proc.RunAsync("skopeo", ["inspect", $"oci:{layout}"], TimeSpan.FromMinutes(1))).EnsureSuccess();
        Assert.Equal(Rich.Digest.ToString(), JsonNode.Parse(inspect.Stdout)!["Digest"]!.GetValue<string>());
        var unpacked = await Umoci.UnpackAsync(layout, "1", fixture.Scratch("bundle"));
        Assert.Empty(FileTree.Diff(FileTree.Capture(fixture.RichRootfs), FileTree.Capture(unpacked)));
    }

    [Fact]
    public async Task A_large_rootfs_streams_to_the_cli_whole()
    {
        var target = fixture.Scratch("large");
        var layout = fixture.Scratch("layout");
        fixture.Large.WriteOciLayout(layout, "expected");
        var expected = await Umoci.UnpackAsync(layout, "expected", fixture.Scratch("bundle"));

        var result = await CliAsync(null, fixture.Scratch("home"), "image", "rootfs", fixture.LargeRef, target);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(FileTree.Diff(FileTree.Capture(expected), FileTree.Capture(target)));
    }

    [Fact]
    public async Task A_client_that_dies_mid_stream_leaves_nothing_on_the_node_which_carries_on()
    {
        var storeBefore = StoreFiles();

        // What the kernel does for a killed CLI: the socket closes with data unread, which resets the connection.
        using (var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await client.ConnectAsync(new UnixDomainSocketEndPoint(Node.SocketPath));
            await using var stream = new NetworkStream(client);
            await stream.WriteAsync(GatewayCodec.EncodeRequestLine(new GatewayRequest(GatewayOps.Rootfs, fixture.LargeRef)));
            var buffer = new byte[64 * 1024];
            long received = 0;
            while (received < 2 << 20)
            {
                var n = await stream.ReadAsync(buffer);
                Assert.NotEqual(0, n);
                received += n;
            }
        }

        await Node.WaitForLogAsync("went away while the root filesystem", TimeSpan.FromSeconds(30));
        Assert.Equal(storeBefore, StoreFiles());
        var again = fixture.Scratch("after");
        var result = await CliAsync(null, fixture.Scratch("home"), "image", "rootfs", fixture.RichRef, again);
        Assert.Equal(0, result.ExitCode);
        Assert.Empty(FileTree.Diff(FileTree.Capture(fixture.RichRootfs), FileTree.Capture(again)));
    }

    [Fact]
    public async Task An_unknown_image_is_the_nodes_error_and_the_directory_the_cli_made_for_it_is_gone()
    {
        var home = fixture.OwnedDirectory("home", Nobody);
        var target = Path.Combine(home, "new", "rootfs");
        var unknown = fixture.Registry.Reference("never-pulled", "1");

        var result = await CliAsync(Nobody, home, "image", "rootfs", unknown, target);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not in the store", result.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(home));
    }

    /// <summary>Every path in the node's store but its log and journal, which a request may touch.</summary>
    private List<string> StoreFiles() =>
        Directory.EnumerateFileSystemEntries(Node.Store, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Node.Store, p))
            .Where(p => !p.StartsWith("journal.db", StringComparison.Ordinal) && p != "node.log")
            .Order(StringComparer.Ordinal)
            .ToList();
}
