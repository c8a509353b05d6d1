using PullCluster.Core.Formats;

namespace PullCluster.Core.Registry;

/// <summary>What a request is for, so every failure names the image and the manifest or blob.</summary>
internal readonly record struct RequestContext(ImageReference Image, string Target, Digest? Digest)
{
    public RegistryException Error(string detail, int? statusCode = null, bool transient = false, Exception? inner = null,
        TimeSpan? retryAfter = null) =>
        RegistryException.Create(Image, Target, detail, Digest, statusCode, transient, inner, retryAfter);
}
