using System.Globalization;
using PullCluster.Core.Gateway;

namespace PullCluster.Cmd.Output;

/// <summary>image ls as a docker-style table: columns padded to their widest cell plus three spaces.</summary>
public static class ImageTable
{
    private static readonly string[] Header = ["IMAGE", "DIGEST", "PLATFORM", "SIZE", "LAYERS", "PULLED"];

    public static void Write(TextWriter output, IReadOnlyList<ImageSummaryDto> images, DateTimeOffset now)
    {
        var rows = images.OrderBy(i => i.Image, StringComparer.Ordinal).ThenBy(i => i.Platform, StringComparer.Ordinal)
            .Select(image => new[]
            {
                image.Image,
                ShortDigest.Of(image.ManifestDigest),
                image.Platform,
                ByteSize.Format(image.Size),
                image.Layers.ToString(CultureInfo.InvariantCulture),
                RelativeTime.Ago(image.Pulled, now),
            });
        TextTable.Write(output, Header, rows);
    }
}
