using System.Text;

namespace PullCluster.Cmd.Output;

/// <summary>A docker-style table: columns padded to their widest cell plus three spaces, the last one unpadded.</summary>
public static class TextTable
{
    private const int Gap = 3;

    public static void Write(TextWriter output, string[] header, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = new int[header.Length];
        foreach (var row in all)
            for (var c = 0; c < row.Length; c++)
                widths[c] = Math.Max(widths[c], row[c].Length);

        var text = new StringBuilder();
        foreach (var row in all)
        {
            for (var c = 0; c < row.Length - 1; c++)
                text.Append(row[c].PadRight(widths[c] + Gap));
            text.Append(row[^1]).Append('\n');
        }
        output.Write(text.ToString());
    }
}
