using System.Net;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using PullCluster.Core.Formats;
using PullCluster.Core.Peers;
using PullCluster.Core.Store;
using PullCluster.Host.Peers;
using PullCluster.Tests.Infrastructure;

namespace PullCluster.Tests.Peers;

/// <summary>
/// A node's content store in a temp directory with its <see cref="PeerBlobServer"/> listening on a loopback address
/// of its own (127.0.0.x, as distinct hosts would), every line it logs kept.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class ServingPeer : IAsyncDisposable
{
    private readonly TempDir _dir;
    private readonly ILoggerFactory _loggers;

    private ServingPeer(TempDir dir, ContentStore store, PeerBlobServer server, CapturedLog log, ILoggerFactory loggers, IPAddress address)
    {
        _dir = dir;
        Store = store;
        Server = server;
        Log = log;
        _loggers = loggers;
        Address = address;
    }

    public ContentStore Store { get; }
    public PeerBlobServer Server { get; }
    public CapturedLog Log { get; }
    public IPAddress Address { get; }

    /// <summary><c>http://127.0.0.x:port/</c></summary>
    public Uri BaseUri => Server.Addresses[0];

    public int Port => BaseUri.Port;

    public static async Task<ServingPeer> StartAsync(ClusterSecret secret)
    {
        var dir = TempDir.Create("peer");
        var layout = new StoreLayout(dir.Combine("store"));
        layout.EnsureCreated();
        var store = new ContentStore(layout);
        var log = new CapturedLog();
        var loggers = log.Factory();
        var address = IPAddress.Parse($"127.0.0.{Random.Shared.Next(11, 250)}");
        var server = new PeerBlobServer(new IPEndPoint(address, 0), store, new PeerRequestSigner(secret, "serving-node"), loggers);
        await server.StartAsync(CancellationToken.None);
        return new ServingPeer(dir, store, server, log, loggers, address);
    }

    /// <summary>Stores <paramref name="bytes"/> as a committed blob.</summary>
    public async Task<Descriptor> PutAsync(byte[] bytes)
    {
        var blob = Describe(bytes);
        using var ingest = Store.OpenIngest(blob);
        await ingest.WriteAsync(bytes, CancellationToken.None);
        ingest.Commit();
        return blob;
    }

    public static Descriptor Describe(byte[] bytes) => new("application/octet-stream", Digest.Sha256(bytes), bytes.Length);

    public static byte[] RandomBytes(int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _loggers.Dispose();
        _dir.Dispose();
    }
}
