namespace PullCluster.Cmd;

/// <summary>What stdout is: a terminal gets redrawn progress bars, anything else plain lines.</summary>
/// <param name="Width">Terminal columns, asked only when drawing, as reading them loads terminfo.</param>
public sealed record OutputTarget(bool IsTerminal, Func<int> Width)
{
    public static OutputTarget Redirected { get; } = new(false, () => 80);

    public static OutputTarget FromConsole()
    {
        var terminal = !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb";
        return terminal ? new OutputTarget(true, ConsoleWidth) : Redirected;
    }

    private static int ConsoleWidth()
    {
        try
        {
            return Console.WindowWidth;
        }
        catch (IOException)
        {
            return 80;
        }
    }
}
