using Akka.Configuration;
using Microsoft.Extensions.Logging;
using PullCluster.Core.Access;

namespace PullCluster.Host.Access;

/// <summary>Builds the node's <see cref="AccessPolicy"/> from pullcluster.access and the command line, and says at
/// start-up what it amounts to on this host.</summary>
public static class NodeAccess
{
    public const string DefaultGroup = "pullcluster";
    public const string DefaultAdminGroup = "pullcluster-admin";

    /// <summary>--token-file, else PULLCLUSTER_TOKEN_FILE (both in <paramref name="options"/>), else pullcluster.access.token-file.</summary>
    public static string? TokenFile(Config config, NodeOptions options) =>
        options.TokenFile ?? (config.GetString("pullcluster.access.token-file", "") is { Length: > 0 } file ? Path.GetFullPath(file) : null);

    /// <exception cref="FormatException">The token file cannot be read or is empty.</exception>
    public static AccessPolicy Load(Config config, string? tokenFile) => new(
        Posix.UserId,
        Group(config.GetString("pullcluster.access.group", DefaultGroup)),
        Group(config.GetString("pullcluster.access.admin-group", DefaultAdminGroup)),
        tokenFile is null ? null : AdminToken.Read(tokenFile));

    private static AccessGroup Group(string name) => new(name, name.Length == 0 ? null : Posix.GroupId(name));

    public static void Describe(AccessPolicy policy, string? tokenFile, string socket, TcpAddress? tcp, ILogger log)
    {
        var owners = policy.NodeUid == 0 ? "root" : $"root and uid {policy.NodeUid} (the node's user)";
        if (policy.Users.Gid is { } gid)
            log.LogInformation("gateway on unix socket {Socket} (mode 0660, group {Group} ({Gid}))", socket, policy.Users.Name, gid);
        else
            log.LogInformation("gateway on unix socket {Socket} (mode 0660, the node user's group)", socket);
        if (policy.Users.Gid is null)
            log.LogWarning("group '{Group}' does not exist: only {Owners} can connect to {Socket} (create it with groupadd, as scripts/setup.sh does)",
                policy.Users.Name, owners, socket);
        if (policy.Admins.Gid is null)
            log.LogWarning("group '{Group}' does not exist: only {Owners} may remove images", policy.Admins.Name, owners);
        if (tcp is not null)
            log.LogInformation(policy.Token is null
                ? "gateway on TCP {Address}: refusing every request, as no admin token is configured (--token-file)"
                : "gateway on TCP {Address}: requests need the admin token", tcp);
        if (tokenFile is { } file && (File.GetUnixFileMode(file) & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            log.LogWarning("the admin token file {File} can be read by every user on this host; chmod 600 it", file);
    }
}
