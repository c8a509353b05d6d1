using PullCluster.Cmd.Parsing;

namespace PullCluster.Tests.Cmd;

/// <summary>A process environment made of the given variables, with a fixed working directory, as a user other
/// than root on a host where no root node's socket exists.</summary>
internal static class TestEnvironment
{
    public const string WorkingDirectory = "/work/here";

    public static CliEnvironment With(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        if (!map.ContainsKey("HOME")) map["HOME"] = "/home/builder";
        return new CliEnvironment(name => map.GetValueOrDefault(name), WorkingDirectory, IsRoot: false, PathExists: _ => false);
    }
}
