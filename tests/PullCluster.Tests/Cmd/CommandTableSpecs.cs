using PullCluster.Cmd.Commands;
using PullCluster.Cmd.Parsing;
using PullCluster.Core.Gateway;
using Xunit;

namespace PullCluster.Tests.Cmd;

/// <summary>The command table is the CLI's one list of commands: what it holds, the help shows and the parser takes.</summary>
public class CommandTableSpecs
{
    public static TheoryData<string> Commands() => new(CommandTable.All.Select(c => c.Path));

    private static CliCommand Entry(string path) => CommandTable.All.Single(c => c.Path == path);

    private static CliArguments Parse(IEnumerable<string> words) => ArgumentParser.Parse(words.ToList(), TestEnvironment.With());

    /// <summary>The words of the documented form: an example for each operand, and the options it lists.</summary>
    private static List<string> DocumentedForm(CliCommand command, IEnumerable<string> path)
    {
        var words = path.ToList();
        foreach (var operand in command.Operands.Where(o => !o.Optional))
            words.AddRange(operand.Many ? ["alpine", "busybox"] : [operand.Directory ? "out" : "alpine"]);
        foreach (var use in command.Options)
            words.AddRange(use.Option.Value is null ? [use.Option.Name] : [use.Option.Name, "linux/amd64"]);
        return words;
    }

    [Fact]
    public void Every_command_has_its_own_path()
    {
        var paths = CommandTable.All.Select(c => c.Path).Concat(CommandTable.All.SelectMany(c => c.Aliases)).ToList();

        Assert.Equal(paths.Count, paths.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_command_is_in_the_help_overview_and_in_its_palettes_help(string path)
    {
        var command = Entry(path);

        Assert.Contains($"\n  {path}", Usage.For(""));
        if (command.Palette.Length > 0) Assert.Contains($"\n  {command.Name}", Usage.For(command.Palette));
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_command_has_its_own_help_naming_its_operands_and_options(string path)
    {
        var command = Entry(path);
        // 'help --help' is the overview, as it always was; 'help help' is help's own.
        var help = Parse(command == CommandTable.Help ? ["help", "help"] : [.. path.Split(' '), "--help"]);

        Assert.Equal(CommandTable.Help, help.Command);
        Assert.Equal(path, help.HelpTopic);
        var text = Usage.For(help.HelpTopic);
        Assert.StartsWith($"Usage: pullcluster {path}{string.Concat(command.Operands.Select(o => $" {o}"))}", text);
        Assert.Contains(command.Description, text);
        foreach (var use in command.Options) Assert.Contains($"  {use.Option.Label}   ", text);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_command_parses_its_documented_form_under_its_path_and_aliases(string path)
    {
        var command = Entry(path);
        // help's words are its topic, version is reached by --version too; both are the parser's own.
        if (command == CommandTable.Help) return;

        foreach (var spelling in command.Aliases.Prepend(path))
        {
            var args = Parse(DocumentedForm(command, spelling.Split(' ')));

            Assert.Equal(command, args.Command);
            Assert.Equal(command.Operands.Any(o => o.Many) ? 2 : command.Operands.Count(o => !o.Optional), args.Operands.Count);
            Assert.Equal(command.Takes(CommandOption.Platform) ? "linux/amd64" : null, args.Platform);
            Assert.Equal(command.Takes(CommandOption.Json), args.Json);
            Assert.Equal(command.Takes(CommandOption.Quiet), args.Quiet);
        }
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_command_refuses_the_options_it_does_not_list(string path)
    {
        var command = Entry(path);
        if (command == CommandTable.Help) return;

        foreach (var option in CommandOption.All.Where(o => !command.Takes(o)))
        {
            var words = DocumentedForm(command, path.Split(' '));
            words.AddRange(option.Value is null ? [option.Name] : [option.Name, "linux/amd64"]);

            var error = Assert.Throws<UsageException>(() => Parse(words));
            Assert.Contains($"'{path}' does not take {option.Name}", error.Message);
        }
    }

    [Theory]
    [InlineData("cluster show", GatewayOps.ClusterShow, null, null)]
    [InlineData("cluster leave", GatewayOps.ClusterLeave, null, null)]
    [InlineData("cluster leave 127.0.0.12:4711", GatewayOps.ClusterLeave, "127.0.0.12:4711", null)]
    [InlineData("cluster down akka.ssl.tcp://pullcluster@127.0.0.12:4711", GatewayOps.ClusterDown, "akka.ssl.tcp://pullcluster@127.0.0.12:4711", null)]
    [InlineData("blob where sha256:ab --json", GatewayOps.BlobWhere, null, "sha256:ab")]
    public void Cluster_palette_commands_send_their_operand_as_the_member_or_the_digest(string line, string op, string? address, string? digest)
    {
        var args = Parse(line.Split(' '));

        Assert.Equal(new GatewayRequest(op, Address: address, Digest: digest), args.Command.Call!.Request(args, ""));
    }

    [Theory]
    [InlineData("cluster down", "'cluster down' needs ADDR: missing ADDR")]
    [InlineData("blob where", "'blob where' needs DIGEST: missing DIGEST")]
    [InlineData("cluster leave a b", "'cluster leave' takes [ADDR], got unexpected 'b'")]
    [InlineData("cluster", "'cluster' needs a subcommand: show, leave, down")]
    public void Cluster_palette_commands_refuse_missing_or_extra_operands_naming_them(string line, string expected)
    {
        Assert.Equal(expected, Assert.Throws<UsageException>(() => Parse(line.Split(' '))).Message.Split(" (see")[0]);
    }

    [Fact]
    public void Help_with_no_topic_is_the_overview_and_takes_every_command_as_topic()
    {
        Assert.Equal("", Parse(["help"]).HelpTopic);
        foreach (var command in CommandTable.All)
            Assert.Equal(command.Path, Parse(["help", .. command.Path.Split(' ')]).HelpTopic);
    }
}
