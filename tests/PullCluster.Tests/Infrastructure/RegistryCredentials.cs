using System.Net.Http.Headers;
using System.Text;

namespace PullCluster.Tests.Infrastructure;

/// <summary>A user of a registry started with htpasswd basic auth.</summary>
public sealed record RegistryCredentials(string User, string Password)
{
    public AuthenticationHeaderValue ToBasicHeader() =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));
}
