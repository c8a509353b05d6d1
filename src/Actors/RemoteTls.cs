using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;
using PullCluster.Core.Peers;

namespace PullCluster.Actors;

/// <summary>
/// Mutual TLS for Akka.Remote. Programs and nodes read <c>pullcluster.remote.tls</c> alike: this side's certificate and
/// private key (PKCS#12) and the CAs whose certificates peers must present. A node with the farm's secret
/// (<see cref="ForSecret"/>) also accepts every peer whose certificate is bound to that secret
/// (<see cref="MembershipCertificate"/>), and presents such a certificate itself unless one is configured.
/// </summary>
/// <remarks>
/// Akka.Remote's own HOCON validation checks a peer's certificate against the system's roots, which would admit
/// anyone holding a publicly issued certificate (or anyone at all with suppress-validation). The validator here
/// trusts the secret and the configured CAs and nothing else, and Akka.Remote calls it on both sides of every
/// handshake: the server for the client's certificate (which mutual authentication makes compulsory) and the client
/// for the server's, so a member neither admits nor talks to a host without the secret.
/// </remarks>
public sealed class RemoteTls : IDisposable
{
    public const string ConfigPath = "pullcluster.remote.tls";

    /// <summary>Turns TLS on for the DotNetty transport; the certificate and the validator come from <see cref="Setup"/>.</summary>
    public static readonly Config AkkaConfig = ConfigurationFactory.ParseString("""
        akka.remote.dot-netty.tcp {
          enable-ssl = on
          ssl {
            require-mutual-authentication = on
            suppress-validation = off
          }
        }
        """);

    private RemoteTls(X509Certificate2 certificate, X509Certificate2Collection authorities, string? caFile, ClusterSecret? secret)
    {
        Certificate = certificate;
        Authorities = authorities;
        CaFile = caFile;
        Secret = secret;
    }

    /// <summary>This side's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CAs a peer's certificate may chain to; empty for a node that trusts only its secret.</summary>
    public X509Certificate2Collection Authorities { get; }

    /// <summary>Where <see cref="Authorities"/> were read; null when there are none.</summary>
    public string? CaFile { get; }

    /// <summary>The farm's secret, whose bound certificates are accepted; null for a program (CAs only).</summary>
    public ClusterSecret? Secret { get; }

    /// <summary>
    /// Who this side is and whom it accepts, for the node's start-up log, e.g. <c>mutual TLS as CN=pullcluster-node;
    /// peers must present a certificate bound to the cluster secret in /etc/pullcluster/secret or issued by CN=CA (ca.pem)</c>.
    /// </summary>
    public string Description
    {
        get
        {
            var accepted = new List<string>();
            if (Secret is not null)
                accepted.Add(Secret.File is { } file ? $"bound to the cluster secret in {file}" : "bound to this node's ephemeral cluster secret");
            if (Authorities.Count > 0)
                accepted.Add($"issued by {string.Join(", ", Authorities.Select(a => a.Subject))} ({CaFile})");
            return $"mutual TLS as {Certificate.Subject}; peers must present a certificate {string.Join(" or ", accepted)}";
        }
    }

    /// <summary>Whether <c>pullcluster.remote.tls.certificate</c> is set.</summary>
    public static bool IsConfigured(Config config) => !string.IsNullOrEmpty(config.GetString($"{ConfigPath}.certificate", ""));

    /// <summary>
    /// The TLS settings under <c>pullcluster.remote.tls</c>, or null when no certificate is configured. Throws
    /// <see cref="RemoteTlsException"/> naming the file that could not be used.
    /// </summary>
    public static RemoteTls? FromConfig(Config config)
    {
        if (!IsConfigured(config)) return null;
        var certificate = config.GetString($"{ConfigPath}.certificate", "");
        var password = config.GetString($"{ConfigPath}.password", "");
        var caFile = config.GetString($"{ConfigPath}.ca-file", "");
        if (string.IsNullOrEmpty(caFile))
            throw new RemoteTlsException(
                $"{ConfigPath}.certificate is set but {ConfigPath}.ca-file is not: without the CA there is no way to tell which peers may connect");
        return Load(certificate, string.IsNullOrEmpty(password) ? null : password, caFile);
    }

    /// <summary>Reads the PKCS#12 file (.pfx/.p12) and the PEM file of CA certificates.</summary>
    public static RemoteTls Load(string certificatePath, string? password, string caFile)
    {
        var certificate = ReadCertificate(certificatePath, password);
        try
        {
            return new RemoteTls(certificate, ReadAuthorities(caFile), Path.GetFullPath(caFile), secret: null);
        }
        catch
        {
            certificate.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A node's TLS in the farm whose secret is <paramref name="secret"/>: peers are accepted when their certificate is
    /// bound to the secret, or when it chains to a CA of <paramref name="configured"/> (pullcluster.remote.tls, for
    /// programs), if given. The node presents the configured certificate, or else a fresh one bound to the secret.
    /// The result takes over <paramref name="configured"/>'s certificates: dispose the result only.
    /// </summary>
    public static RemoteTls ForSecret(ClusterSecret secret, RemoteTls? configured) =>
        configured is null
            ? new RemoteTls(MembershipCertificate.Create(secret, DateTimeOffset.UtcNow), [], caFile: null, secret)
            : new RemoteTls(configured.Certificate, configured.Authorities, configured.CaFile, secret);

    /// <summary>Akka.Remote's TLS setup: this certificate, client certificates required, peers validated by <see cref="Accepts"/>.</summary>
    public DotNettySslSetup Setup() =>
        new(Certificate, suppressValidation: false, requireMutualAuthentication: true, validateCertificateHostname: false, Validate);

    /// <summary>
    /// What a program passes to <c>ActorSystem.Create</c>: its configuration with TLS turned on and the message API's
    /// serializer bound (<see cref="Protocol.ApiSerializer.AkkaConfig"/>), and <see cref="Setup"/>.
    /// </summary>
    public ActorSystemSetup Bootstrap(Config config) =>
        BootstrapSetup.Create().WithConfig(AkkaConfig.WithFallback(config).WithFallback(Protocol.ApiSerializer.AkkaConfig)).And(Setup());

    /// <summary>
    /// Whether <paramref name="peer"/> is bound to <see cref="Secret"/> or chains to one of <see cref="Authorities"/>;
    /// <paramref name="reason"/> says why not, as a predicate of "its certificate".
    /// </summary>
    /// <param name="presented">The chain the TLS handshake built, whose extra certificates may hold the peer's intermediates.</param>
    public bool Accepts(X509Certificate2 peer, X509Chain? presented, out string reason)
    {
        string? unbound = null;
        if (Secret is not null)
        {
            if (MembershipCertificate.Verify(peer, Secret, DateTimeOffset.UtcNow, out var why))
            {
                reason = "";
                return true;
            }
            unbound = $"is not bound to this farm's secret ({why})";
        }
        // Only a node's TLS (with a secret) can be without CAs; a program's always has one.
        if (Authorities.Count == 0)
        {
            reason = unbound!;
            return false;
        }
        if (ChainsToAuthority(peer, presented, out var unchained))
        {
            reason = "";
            return true;
        }
        reason = unbound is null ? unchained : $"{unbound}, and {unchained}";
        return false;
    }

    private bool ChainsToAuthority(X509Certificate2 peer, X509Chain? presented, out string reason)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Authorities);
        // Private CAs publish no revocation lists; revocation is done by replacing the CA (see the docs).
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (presented is not null)
            foreach (var element in presented.ChainElements)
                if (!element.Certificate.Equals(peer)) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        if (chain.Build(peer))
        {
            reason = "";
            return true;
        }
        var status = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct();
        reason = $"{peer.Subject} (issued by {peer.Issuer}) does not chain to a CA in {CaFile}: {string.Join("; ", status)}";
        return false;
    }

    private bool Validate(X509Certificate2? certificate, X509Chain? chain, string peer, SslPolicyErrors errors, ILoggingAdapter log)
    {
        // The handshake's own errors are judged against the system's roots and the host name; only the secret and the
        // CAs matter here.
        if (certificate is null)
        {
            log.Warning("refused TLS peer {0}: it presented no certificate", peer);
            return false;
        }
        if (Accepts(certificate, chain, out var reason)) return true;
        log.Warning("refused TLS peer {0}: its certificate {1}", peer, reason);
        return false;
    }

    private static X509Certificate2 ReadCertificate(string path, string? password)
    {
        if (!File.Exists(path)) throw new RemoteTlsException($"the remote TLS certificate {path} does not exist");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (CryptographicException e)
        {
            // The message names the file and the cause; the password is never part of it.
            throw new RemoteTlsException(
                $"cannot read the remote TLS certificate {path} as PKCS#12 (.pfx/.p12) with the configured password: {e.Message}", e);
        }
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new RemoteTlsException($"the remote TLS certificate {path} holds no private key");
        }
        return certificate;
    }

    private static X509Certificate2Collection ReadAuthorities(string caFile)
    {
        if (!File.Exists(caFile)) throw new RemoteTlsException($"the remote TLS CA file {caFile} does not exist");
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(caFile);
        }
        catch (CryptographicException e)
        {
            throw new RemoteTlsException($"cannot read the remote TLS CA file {caFile} as PEM certificates: {e.Message}", e);
        }
        if (authorities.Count == 0) throw new RemoteTlsException($"the remote TLS CA file {caFile} holds no PEM certificate");
        return authorities;
    }

    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var authority in Authorities) authority.Dispose();
    }
}

/// <summary>The remote TLS configuration cannot be used; the message names the setting or file.</summary>
public sealed class RemoteTlsException(string message, Exception? inner = null) : Exception(message, inner);
