namespace PullCluster.Tests.EndToEnd;

/// <summary>Incompressible bytes, so a layer's blob is as large as its content and downloads take real time.</summary>
internal static class Payload
{
    public static byte[] Random(int bytes, int seed)
    {
        var data = new byte[bytes];
        new Random(seed).NextBytes(data);
        return data;
    }
}
