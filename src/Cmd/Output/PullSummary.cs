using System.Globalization;
using PullCluster.Core.Gateway;

namespace PullCluster.Cmd.Output;

/// <summary>The lines docker pull ends with, plus where the bytes came from.</summary>
public static class PullSummary
{
    public static void Write(TextWriter output, PullResultDto result)
    {
        output.WriteLine($"Digest: {result.ManifestDigest}");
        output.WriteLine(IsUpToDate(result)
            ? $"Status: Image is up to date for {result.Image}"
            : $"Status: Downloaded newer image for {result.Image}");
        output.WriteLine(
            $"Fetched {ByteSize.Format(result.BytesFetched)}{Sources(result)}, shared {ByteSize.Format(result.BytesShared)}, " +
            $"reused {ByteSize.Format(result.BytesReused)} in {result.Seconds.ToString("0.00", CultureInfo.InvariantCulture)}s");
    }

    /// <summary>Bytes shared with a concurrent pull were still new to the store, so only a pull that needed no
    /// blob at all is "up to date".</summary>
    public static bool IsUpToDate(PullResultDto result) => result.BytesFetched == 0 && result.BytesShared == 0;

    // A lone node fetches everything from the registry, and saying so on every pull would be noise.
    private static string Sources(PullResultDto result) =>
        result.BytesFromPeers == 0
            ? ""
            : $" ({ByteSize.Format(result.BytesFromRegistry)} from the registry, {ByteSize.Format(result.BytesFromPeers)} from peers)";
}
