namespace PullCluster.Cmd.Output;

/// <summary>"5 minutes ago", in the words docker uses for its CREATED column.</summary>
public static class RelativeTime
{
    public static string Ago(DateTimeOffset then, DateTimeOffset now) => Describe(now - then) + " ago";

    public static string Describe(TimeSpan elapsed)
    {
        var seconds = (long)elapsed.TotalSeconds;
        if (seconds < 1) return "Less than a second";
        if (seconds == 1) return "1 second";
        if (seconds < 60) return $"{seconds} seconds";
        var minutes = (long)elapsed.TotalMinutes;
        if (minutes == 1) return "About a minute";
        if (minutes < 60) return $"{minutes} minutes";
        var hours = (long)Math.Round(elapsed.TotalHours, MidpointRounding.AwayFromZero);
        if (hours == 1) return "About an hour";
        if (hours < 48) return $"{hours} hours";
        if (hours < 24 * 7 * 2) return $"{hours / 24} days";
        if (hours < 24 * 30 * 2) return $"{hours / 24 / 7} weeks";
        if (hours < 24 * 365 * 2) return $"{hours / 24 / 30} months";
        return $"{(long)(elapsed.TotalHours / 24 / 365)} years";
    }
}
