using PullCluster.Core.Formats;

namespace PullCluster.Core.Registry;

/// <summary>A registry request that failed, naming the image, what was fetched and how it failed.</summary>
public class RegistryException : Exception
{
    public RegistryException(string message, string registry, string? repository, string? digest, int? statusCode,
        bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        Registry = registry;
        Repository = repository;
        Digest = digest;
        StatusCode = statusCode;
        IsTransient = isTransient;
    }

    public string Registry { get; }
    public string? Repository { get; }
    public string? Digest { get; }
    public int? StatusCode { get; }
    public bool IsTransient { get; }

    /// <summary>The server's Retry-After, when it sent one.</summary>
    internal TimeSpan? RetryAfter { get; init; }

    /// <summary>What was being fetched ("manifest 1", "blob sha256:…") and how it failed, to restate after retries.</summary>
    internal string? Target { get; init; }
    internal string? Detail { get; init; }

    internal static RegistryException Create(ImageReference image, string target, string detail, Digest? digest = null,
        int? statusCode = null, bool transient = false, Exception? inner = null, TimeSpan? retryAfter = null) =>
        new($"{image.Name}: {target}: {detail}", image.Registry, image.Repository, digest?.ToString(), statusCode, transient, inner)
        {
            Target = target,
            Detail = detail,
            RetryAfter = retryAfter,
        };

    internal RegistryException AfterAttempts(ImageReference image, int attempts) =>
        new($"{image.Name}: {Target}: {Detail} after {attempts} attempt{(attempts == 1 ? "" : "s")}", Registry, Repository, Digest, StatusCode, IsTransient, this)
        {
            Target = Target,
            Detail = Detail,
        };
}
