using System.Globalization;
using System.Text;
using PullCluster.Core.Gateway;

namespace PullCluster.Cmd.Output;

/// <summary>image ls as a docker-style table: columns padded to their widest cell plus three spaces.</summary>
public static class ImageTable
{
    private static readonly string[] Header = ["IMAGE", "DIGEST", "PLATFORM", "SIZE", "LAYERS", "PULLED"];
    private const int Gap = 3;

    public static void Write(TextWriter output, IReadOnlyList<ImageSummaryDto> images, DateTimeOffset now)
    {
        var rows = new List<string[]> { Header };
        foreach (var image in images.OrderBy(i => i.Image, StringComparer.Ordinal).ThenBy(i => i.Platform, StringComparer.Ordinal))
            rows.Add([
                image.Image,
                ShortDigest.Of(image.ManifestDigest),
                image.Platform,
                ByteSize.Format(image.Size),
                image.Layers.ToString(CultureInfo.InvariantCulture),
                RelativeTime.Ago(image.Pulled, now),
            ]);

        var widths = new int[Header.Length];
        foreach (var row in rows)
            for (var c = 0; c < row.Length; c++)
                widths[c] = Math.Max(widths[c], row[c].Length);

        var text = new StringBuilder();
        foreach (var row in rows)
        {
            for (var c = 0; c < row.Length - 1; c++)
                text.Append(row[c].PadRight(widths[c] + Gap));
            text.Append(row[^1]).Append('\n');
        }
        output.Write(text.ToString());
    }
}
