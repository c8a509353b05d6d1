using System.Text.RegularExpressions;

namespace PullCluster.Tests.Recovery;

/// <summary>
/// The line a node logs once its journal is recovered and reconciled:
/// "store journal ready: N blobs, N layers, N pulls to resume; recovered in X ms, reconciled in Y ms
/// (N blobs forgotten, N adopted; N layers forgotten, N adopted; N unreadable rows dropped)".
/// </summary>
public sealed partial record JournalReadyLine(
    int Blobs, int Layers, int Pulls, long RecoveredMs, long ReconciledMs,
    int BlobsForgotten, int BlobsAdopted, int LayersForgotten, int LayersAdopted, int UnreadableRows)
{
    public const string Marker = "store journal ready:";

    [GeneratedRegex(
        @"store journal ready: (\d+) blobs, (\d+) layers, (\d+) pulls to resume; recovered in (\d+) ms, reconciled in (\d+) ms " +
        @"\((\d+) blobs forgotten, (\d+) adopted; (\d+) layers forgotten, (\d+) adopted; (\d+) unreadable rows dropped\)")]
    private static partial Regex Pattern();

    public static JournalReadyLine Parse(string line)
    {
        var m = Pattern().Match(line);
        if (!m.Success) throw new FormatException($"not a journal-ready line in the expected format: {line}");
        int I(int g) => int.Parse(m.Groups[g].Value);
        long L(int g) => long.Parse(m.Groups[g].Value);
        return new JournalReadyLine(I(1), I(2), I(3), L(4), L(5), I(6), I(7), I(8), I(9), I(10));
    }

    /// <summary>Waits for the node's line and parses it.</summary>
    public static async Task<JournalReadyLine> OfAsync(Infrastructure.NodeProcess node, TimeSpan? timeout = null) =>
        Parse(await node.WaitForLogAsync(Marker, timeout ?? TimeSpan.FromSeconds(60)));
}
