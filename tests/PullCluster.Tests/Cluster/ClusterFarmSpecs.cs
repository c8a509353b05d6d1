using System.Net;
using System.Net.Sockets;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Cluster;

/// <summary>The farm helper's own pieces that need no farm: reading member-up lines, ports on a loopback address of its own.</summary>
public sealed class ClusterFarmSpecs
{
    [Theory]
    [InlineData("[INFO] cluster member up: akka.tcp://pullcluster@127.0.0.12:40713 (3 up)", 3)]
    [InlineData("cluster member up: akka.ssl.tcp://pullcluster@node-7.example:4053 (12 up)", 12)]
    public void A_member_up_line_gives_the_number_of_members_up(string line, int up) => Assert.Equal(up, ClusterFarm.UpCount(line));

    [Theory]
    [InlineData("cluster member removed: akka.tcp://pullcluster@127.0.0.12:40713")]
    [InlineData("cluster member up: (3 up)")]
    public void Other_lines_give_no_count(string line) => Assert.Null(ClusterFarm.UpCount(line));

    [Fact]
    public void A_farm_address_has_two_ports_free_on_its_own_loopback_address()
    {
        var address = FarmAddress.OnHost(IPAddress.Parse("127.0.0.29"));

        Assert.NotEqual(address.RemotePort, address.HttpPort);
        Assert.Equal($"127.0.0.29:{address.RemotePort}", address.Remote);
        Assert.Equal(new Uri($"http://127.0.0.29:{address.HttpPort}/"), address.HttpUri);
        foreach (var port in new[] { address.RemotePort, address.HttpPort })
        {
            var listener = new TcpListener(address.Host, port);
            listener.Start();
            listener.Stop();
        }
    }
}
