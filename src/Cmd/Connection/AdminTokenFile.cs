namespace PullCluster.Cmd.Connection;

/// <summary>The admin token for TCP requests, read from --token-file / PULLCLUSTER_TOKEN_FILE only when TCP is used.</summary>
public static class AdminTokenFile
{
    public static string Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliFailure($"cannot read the admin token file {path}: {e.Message}");
        }
        var token = text.Trim();
        return token.Length > 0 ? token : throw new CliFailure($"the admin token file {path} is empty");
    }
}
