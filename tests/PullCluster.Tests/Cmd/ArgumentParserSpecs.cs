using PullCluster.Cmd.Commands;
using PullCluster.Cmd.Connection;
using PullCluster.Cmd.Parsing;
using Xunit;

namespace PullCluster.Tests.Cmd;

public class ArgumentParserSpecs
{
    private static CliArguments Parse(string line, CliEnvironment? env = null) =>
        ArgumentParser.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries), env ?? TestEnvironment.With());

    private static string Rejected(string line, CliEnvironment? env = null) =>
        Assert.Throws<UsageException>(() => Parse(line, env)).Message;

    [Fact]
    public void Pull_takes_the_image_and_defaults_to_the_users_socket_and_the_home_store()
    {
        var args = Parse("pull alpine:3.20", TestEnvironment.With(("XDG_RUNTIME_DIR", "/run/user/1000")));

        Assert.Equal(CommandTable.Pull, args.Command);
        Assert.Equal(["alpine:3.20"], args.Operands);
        Assert.Equal(new UnixSocketEndpoint("/run/user/1000/pullcluster/pullcluster.sock"), args.Node);
        Assert.Equal("/home/builder/.local/share/pullcluster", args.Store);
        Assert.Null(args.Platform);
        Assert.False(args.Json);
        Assert.False(args.Quiet);
    }

    [Theory]
    [InlineData("--node 10.1.2.3:7000 --store /srv/pc pull alpine")]
    [InlineData("pull --node 10.1.2.3:7000 alpine --store /srv/pc")]
    [InlineData("pull alpine --node=10.1.2.3:7000 --store=/srv/pc")]
    public void Global_options_are_read_anywhere_on_the_line(string line)
    {
        var args = Parse(line);

        Assert.Equal(CommandTable.Pull, args.Command);
        Assert.Equal(["alpine"], args.Operands);
        Assert.Equal(new NodeAddress("10.1.2.3", 7000), args.Node);
        Assert.Equal("/srv/pc", args.Store);
    }

    [Fact]
    public void Environment_supplies_node_and_store_when_options_do_not()
    {
        var env = TestEnvironment.With(("PULLCLUSTER_NODE", "127.0.0.1:9200"), ("PULLCLUSTER_STORE", "/var/lib/pc"));

        var args = Parse("image ls", env);

        Assert.Equal(new NodeAddress("127.0.0.1", 9200), args.Node);
        Assert.Equal("/var/lib/pc", args.Store);
    }

    [Fact]
    public void Options_win_over_the_environment()
    {
        var env = TestEnvironment.With(("PULLCLUSTER_NODE", "127.0.0.1:9200"), ("PULLCLUSTER_STORE", "/var/lib/pc"));

        var args = Parse("image ls --node 127.0.0.2:9300 --store /tmp/other", env);

        Assert.Equal(new NodeAddress("127.0.0.2", 9300), args.Node);
        Assert.Equal("/tmp/other", args.Store);
    }

    [Fact]
    public void Empty_environment_variables_count_as_unset()
    {
        var env = TestEnvironment.With(("PULLCLUSTER_NODE", ""), ("PULLCLUSTER_STORE", ""));

        var args = Parse("image ls", env);

        Assert.Equal(new UnixSocketEndpoint("/home/builder/.local/share/pullcluster/run/pullcluster.sock"), args.Node);
        Assert.Equal("/home/builder/.local/share/pullcluster", args.Store);
    }

    [Fact]
    public void The_hosts_root_node_is_the_default_when_its_socket_exists()
    {
        var env = TestEnvironment.With(("XDG_RUNTIME_DIR", "/run/user/1000")) with
        {
            PathExists = path => path == "/run/pullcluster/pullcluster.sock",
        };

        Assert.Equal(new UnixSocketEndpoint("/run/pullcluster/pullcluster.sock"), Parse("image ls", env).Node);
    }

    [Fact]
    public void Root_defaults_to_the_hosts_root_node_even_before_it_runs()
    {
        var env = TestEnvironment.With(("XDG_RUNTIME_DIR", "/run/user/0")) with { IsRoot = true };

        Assert.Equal(new UnixSocketEndpoint("/run/pullcluster/pullcluster.sock"), Parse("image ls", env).Node);
    }

    [Fact]
    public void A_socket_option_or_variable_is_made_absolute()
    {
        Assert.Equal(new UnixSocketEndpoint("/work/here/run/pc.sock"), Parse("image ls --socket run/pc.sock").Node);
        Assert.Equal(new UnixSocketEndpoint("/srv/pc.sock"),
            Parse("image ls", TestEnvironment.With(("PULLCLUSTER_SOCKET", "/srv/pc.sock"))).Node);
    }

    [Fact]
    public void An_option_for_one_transport_wins_over_a_variable_for_the_other()
    {
        Assert.Equal(new UnixSocketEndpoint("/srv/pc.sock"),
            Parse("image ls --socket /srv/pc.sock", TestEnvironment.With(("PULLCLUSTER_NODE", "10.1.2.3:7000"))).Node);
        Assert.Equal(new NodeAddress("10.1.2.3", 7000),
            Parse("image ls --node 10.1.2.3:7000", TestEnvironment.With(("PULLCLUSTER_SOCKET", "/srv/pc.sock"))).Node);
    }

    [Fact]
    public void Both_transports_at_once_are_rejected()
    {
        Assert.Contains("--socket and --node exclude each other", Rejected("image ls --socket /s --node 10.1.2.3:7000"));
        Assert.Contains("PULLCLUSTER_SOCKET and PULLCLUSTER_NODE are both set",
            Rejected("image ls", TestEnvironment.With(("PULLCLUSTER_SOCKET", "/s"), ("PULLCLUSTER_NODE", "10.1.2.3:7000"))));
    }

    [Fact]
    public void The_token_file_comes_from_the_option_or_the_environment_and_is_made_absolute()
    {
        Assert.Equal("/work/here/admin.token", Parse("image rm x --node 10.1.2.3:7000 --token-file admin.token").TokenFile);
        Assert.Equal("/etc/pc/token",
            Parse("image rm x --node 10.1.2.3:7000", TestEnvironment.With(("PULLCLUSTER_TOKEN_FILE", "/etc/pc/token"))).TokenFile);
        Assert.Null(Parse("image rm x --node 10.1.2.3:7000").TokenFile);
    }

    [Fact]
    public void Default_store_follows_XDG_DATA_HOME()
    {
        var args = Parse("image ls", TestEnvironment.With(("XDG_DATA_HOME", "/data/xdg")));

        Assert.Equal("/data/xdg/pullcluster", args.Store);
    }

    [Fact]
    public void Relative_store_and_output_directories_are_made_absolute_for_the_node()
    {
        var args = Parse("image rootfs alpine out/rootfs --store .pc");

        Assert.Equal("/work/here/.pc", args.Store);
        Assert.Equal(["alpine", "/work/here/out/rootfs"], args.Operands);
    }

    [Theory]
    [InlineData("images", "image ls")]
    [InlineData("image ls", "image ls")]
    [InlineData("image list", "image ls")]
    [InlineData("image rm a b", "image rm")]
    [InlineData("image export alpine /tmp/oci", "image export")]
    [InlineData("node start", "node start")]
    [InlineData("node stop", "node stop")]
    [InlineData("node status", "node status")]
    [InlineData("version", "version")]
    [InlineData("--version", "version")]
    [InlineData("pull alpine --version", "version")]
    public void Commands_are_recognized(string line, string expected)
    {
        Assert.Equal(expected, Parse(line).Command.Path);
    }

    [Fact]
    public void Pull_options_are_read()
    {
        var args = Parse("pull -q alpine --json --platform linux/aarch64");

        Assert.True(args.Quiet);
        Assert.True(args.Json);
        Assert.Equal("linux/arm64/v8", args.Platform);
    }

    [Theory]
    [InlineData("image ls --platform linux/aarch64")]
    [InlineData("images --platform=linux/arm64")]
    [InlineData("image rm a b --platform linux/arm64/v8")]
    [InlineData("image rootfs --platform linux/aarch64 alpine /tmp/root")]
    [InlineData("image export alpine /tmp/oci --platform linux/arm64")]
    public void Image_commands_take_a_platform_in_the_spelling_pull_uses(string line)
    {
        Assert.Equal("linux/arm64/v8", Parse(line).Platform);
    }

    [Theory]
    [InlineData("--help", "")]
    [InlineData("", "")]
    [InlineData("help", "")]
    [InlineData("pull --help", "pull")]
    [InlineData("-h pull", "pull")]
    [InlineData("help pull", "pull")]
    [InlineData("image --help", "image")]
    [InlineData("image rm -h", "image rm")]
    [InlineData("images --help", "image ls")]
    [InlineData("help images", "image ls")]
    [InlineData("node --help", "node")]
    public void Help_is_shown_for_the_command_it_follows(string line, string topic)
    {
        var args = Parse(line);

        Assert.Equal(CommandTable.Help, args.Command);
        Assert.Equal(topic, args.HelpTopic);
        Assert.StartsWith("Usage: pullcluster", Usage.For(args.HelpTopic));
    }

    [Fact]
    public void Help_works_without_any_home_directory()
    {
        var env = new CliEnvironment(_ => null, "/", IsRoot: false, PathExists: _ => false);

        Assert.Equal(CommandTable.Help, ArgumentParser.Parse(["--help"], env).Command);
    }

    [Fact]
    public void Double_dash_ends_option_parsing()
    {
        Assert.Equal(["--odd"], Parse("image rm -- --odd").Operands);
    }

    [Theory]
    [InlineData("pull", "'pull' needs IMAGE")]
    [InlineData("pull a b", "unexpected 'b'")]
    [InlineData("image rootfs alpine", "missing DIR")]
    [InlineData("image rm", "'image rm' needs at least one IMAGE")]
    [InlineData("image", "'image' needs a subcommand")]
    [InlineData("image frobnicate", "unknown command 'image frobnicate'")]
    [InlineData("node restart", "unknown command 'node restart'")]
    [InlineData("fetch alpine", "unknown command 'fetch'")]
    [InlineData("pull alpine --force", "unknown option '--force'")]
    [InlineData("image rm alpine --json", "'image rm' does not take --json")]
    [InlineData("node status --platform linux/amd64", "'node status' does not take --platform")]
    [InlineData("image rm alpine --platform linux", "invalid platform 'linux'")]
    [InlineData("image ls extra", "'image ls' takes no arguments")]
    [InlineData("pull alpine --node", "option '--node' needs a value")]
    [InlineData("pull alpine --node --json", "option '--node' needs a value")]
    [InlineData("pull alpine --json=yes", "option '--json' takes no value")]
    [InlineData("pull alpine --node localhost", "invalid node address 'localhost' (from --node)")]
    [InlineData("pull alpine --node host:99999", "invalid node address 'host:99999'")]
    [InlineData("pull alpine --platform linux", "invalid platform 'linux'")]
    [InlineData("help frobnicate", "no help for 'frobnicate'")]
    public void Wrong_command_lines_are_rejected_naming_what_is_wrong(string line, string expected)
    {
        Assert.Contains(expected, Rejected(line));
    }

    [Fact]
    public void A_bad_node_address_from_the_environment_names_the_variable()
    {
        var message = Rejected("image ls", TestEnvironment.With(("PULLCLUSTER_NODE", "nohost")));

        Assert.Contains("PULLCLUSTER_NODE", message);
    }

    [Theory]
    [InlineData("127.0.0.1:9110", "127.0.0.1", 9110)]
    [InlineData("localhost:1", "localhost", 1)]
    [InlineData("[::1]:9110", "::1", 9110)]
    [InlineData("build-7.example:9110", "build-7.example", 9110)]
    [InlineData("[fd00::5]:9110", "fd00::5", 9110)]
    public void Node_addresses_parse_and_print_back(string text, string host, int port)
    {
        Assert.True(NodeAddress.TryParse(text, out var address));
        Assert.Equal(new NodeAddress(host, port), address);
        Assert.Equal(text, address.ToString());
    }

    [Theory]
    [InlineData("::1:9110")]
    [InlineData(":9110")]
    [InlineData("host:")]
    [InlineData("host:0")]
    [InlineData("host:-1")]
    public void Malformed_node_addresses_do_not_parse(string text)
    {
        Assert.False(NodeAddress.TryParse(text, out _));
    }
}
