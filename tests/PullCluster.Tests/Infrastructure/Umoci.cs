namespace PullCluster.Tests.Infrastructure;

/// <summary>umoci, the reference OCI unpacker: what a correct unpack of an OCI layout looks like.</summary>
public static class Umoci
{
    public static string Unpack(string layoutDir, string tag, string bundleDir) =>
        UnpackAsync(layoutDir, tag, bundleDir).GetAwaiter().GetResult();

    /// <summary>
    /// Runs <c>umoci unpack --image layoutDir:tag bundleDir</c> (bundleDir must not exist yet) and returns
    /// <c>bundleDir/rootfs</c>.
    /// </summary>
    public static async Task<string> UnpackAsync(string layoutDir, string tag, string bundleDir, TimeSpan? timeout = null)
    {
        var result = await Proc.RunAsync("umoci", ["unpack", "--image", $"{layoutDir}:{tag}", bundleDir], timeout ?? TimeSpan.FromMinutes(2));
        if (!result.Succeeded)
            throw new UmociException($"umoci could not unpack {layoutDir}:{tag} into {bundleDir}\n{result.Describe()}", result);
        return Path.Combine(bundleDir, "rootfs");
    }
}

public sealed class UmociException(string message, ProcResult result) : Exception(message)
{
    public ProcResult Result { get; } = result;
}
