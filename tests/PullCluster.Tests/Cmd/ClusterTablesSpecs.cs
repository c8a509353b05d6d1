using PullCluster.Cmd.Output;
using PullCluster.Core.Gateway;
using Xunit;

namespace PullCluster.Tests.Cmd;

/// <summary>cluster show and blob where as an operator reads them: aligned columns, and what is unknown said so.</summary>
public sealed class ClusterTablesSpecs
{
    private const string First = "akka.ssl.tcp://pullcluster@127.0.0.11:4711";
    private const string Second = "akka.ssl.tcp://pullcluster@node-two.example:4711";

    [Fact]
    public void Members_are_an_aligned_table_naming_the_node_answering()
    {
        var view = new ClusterViewDto(First, First,
        [
            new ClusterMemberDto(First, "Up", [], true, true, "http://127.0.0.11:4811"),
            new ClusterMemberDto(Second, "Leaving", ["gpu", "x86"], false, false, null),
        ]);
        var output = new StringWriter();

        ClusterTables.WriteMembers(output, view);

        Assert.Equal(
            """
            ADDRESS                                            STATUS    REACHABLE   LEADER   ROLES     PEER URL
            akka.ssl.tcp://pullcluster@127.0.0.11:4711         Up        yes         yes      -         http://127.0.0.11:4811
            akka.ssl.tcp://pullcluster@node-two.example:4711   Leaving   no          no       gpu,x86   ?
            answered by akka.ssl.tcp://pullcluster@127.0.0.11:4711

            """,
            output.ToString());
    }

    [Fact]
    public void Holders_are_a_table_and_silent_members_are_named_below_it()
    {
        var blob = new BlobWhereaboutsDto("sha256:ab",
            [new BlobHolderDto(First, "http://127.0.0.11:4811", "complete"), new BlobHolderDto(Second, "", "receiving")], [Second]);
        var output = new StringWriter();

        ClusterTables.WriteHolders(output, blob);

        var lines = output.ToString().Split('\n');
        Assert.Equal(["MEMBER", "PEER URL", "STATE"], lines[0].Split("   ", StringSplitOptions.RemoveEmptyEntries).Select(c => c.Trim()));
        Assert.Equal(lines[0].IndexOf("STATE", StringComparison.Ordinal), lines[1].IndexOf("complete", StringComparison.Ordinal));
        Assert.Equal(lines[0].IndexOf("STATE", StringComparison.Ordinal), lines[2].IndexOf("receiving", StringComparison.Ordinal));
        Assert.Contains(" -  ", lines[2]);
        Assert.Equal($"no answer from {Second}", lines[3]);
    }

    [Fact]
    public void A_blob_nobody_holds_is_one_line()
    {
        var output = new StringWriter();

        ClusterTables.WriteHolders(output, new BlobWhereaboutsDto("sha256:ab", [], []));

        Assert.Equal("no member holds sha256:ab\n", output.ToString());
    }
}
