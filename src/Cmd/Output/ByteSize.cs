using System.Globalization;

namespace PullCluster.Cmd.Output;

/// <summary>Sizes as docker prints them: decimal units, three significant digits (12.3MB, 1.05GB, 512B).</summary>
public static class ByteSize
{
    private static readonly string[] Units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];

    public static string Format(long bytes)
    {
        double value = Math.Max(bytes, 0);
        var unit = 0;
        while (value >= 1000 && unit < Units.Length - 1)
        {
            value /= 1000;
            unit++;
        }
        var text = ThreeDigits(value);
        // 999.6kB rounds to "1000"; docker would print 1e+03kB, people expect 1MB.
        if (text == "1000" && unit < Units.Length - 1)
        {
            text = ThreeDigits(value / 1000);
            unit++;
        }
        return text + Units[unit];
    }

    private static string ThreeDigits(double value) =>
        value.ToString(value < 10 ? "0.##" : value < 100 ? "0.#" : "0", CultureInfo.InvariantCulture);
}
