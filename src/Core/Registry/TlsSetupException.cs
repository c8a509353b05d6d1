namespace PullCluster.Core.Registry;

/// <summary>A registry's TLS settings cannot be used: an unreadable CA file, a client certificate without its key.</summary>
internal sealed class TlsSetupException(string message, Exception? inner = null) : Exception(message, inner);
