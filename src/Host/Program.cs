using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PullCluster.Actors;
using PullCluster.Core.Access;
using Akka.Cluster.Hosting;
using PullCluster.Core.Gateway;
using PullCluster.Core.Peers;
using PullCluster.Host;
using PullCluster.Host.Access;
using PullCluster.Host.Peers;

NodeOptions options;
try
{
    options = NodeOptions.Parse(args);
}
catch (HelpRequested)
{
    Console.WriteLine(NodeOptions.Usage);
    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"pullcluster-node: {e.Message}");
    Console.Error.WriteLine(NodeOptions.Usage);
    return 2;
}

// Async I/O completions and actor dispatch share the thread pool; starting it warm avoids the
// half-second thread-injection stalls a burst of twenty pulls would otherwise meet.
ThreadPool.SetMinThreads(Math.Max(16, Environment.ProcessorCount * 4), 16);

Config config;
RemoteEndpoint? remote;
PullClusterSettings settings;
FarmSetup farm;
try
{
    config = NodeConfig.Load(options);
    settings = PullClusterSettings.FromConfig(config, options.Store);
    if (options.Postgres is { } postgres) settings = settings with { Journal = settings.JournalOrDefault with { PostgresConnectionString = postgres } };
    config = config.WithFallback(PullNode.AkkaConfig(settings));
    farm = FarmSetup.From(config, options, new PullCluster.Core.Store.StoreLayout(settings.StoreRoot).FarmMarker);
    config = farm.AkkaConfig.WithFallback(config);
    remote = RemoteEndpoint.FromConfig(config, farm.MembershipSecret);
    if (remote is not null) config = remote.Enforce(config);
}
catch (Exception e) when (e is RemoteTlsException or ClusterSecretException or ArgumentException)
{
    Console.Error.WriteLine($"pullcluster-node: {e.Message}");
    return 2;
}
using var remoteCredentials = remote;
config = NodeConfig.WithoutSecrets(config);

var tokenFile = NodeAccess.TokenFile(config, options);
AccessPolicy policy;
try
{
    policy = NodeAccess.Load(config, tokenFile);
}
catch (FormatException e)
{
    Console.Error.WriteLine($"pullcluster-node: {e.Message}");
    return 1;
}
// Loopback TCP without a token is harmless (it refuses every request); anywhere else it would be an open door.
if (options.Tcp is { IsLoopback: false } exposed && policy.Token is null)
{
    Console.Error.WriteLine(
        $"pullcluster-node: refusing to listen on {exposed}, which is not a loopback address, without an admin token: " +
        "anyone who reaches it could command this node; pass --token-file FILE (or set PULLCLUSTER_TOKEN_FILE, or pullcluster.access.token-file)");
    return 1;
}
var socketPath = options.Socket ?? (policy.NodeUid == 0
    ? SocketPaths.Root
    : SocketPaths.ForUser(Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR"), settings.StoreRoot));
if (SocketPaths.CheckLength(socketPath) is { } tooLong)
{
    Console.Error.WriteLine($"pullcluster-node: {tooLong}");
    return 2;
}
using var services = new NodeServices(settings, farm.Secret, farm.PeerUrl);
using var storeLock = StoreLock.Acquire(services.Layout);
if (storeLock is null)
{
    Console.Error.WriteLine($"pullcluster-node: the store {settings.StoreRoot} is in use by another node");
    return 1;
}

var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
});
builder.Services.AddSingleton(options);
using var listeners = new GatewayListeners(socketPath, options.Tcp, policy);
builder.Services.AddSingleton(listeners);
builder.Services.AddAkka("pullcluster", (akka, _) =>
{
    akka.AddHocon(config, HoconAddMode.Prepend)
        .ConfigureLoggers(l => l.AddLoggerFactory())
        .WithActors((system, registry) =>
        {
            var pulls = PullNode.Start(system, services);
            registry.Register<PullsKey>(pulls);
        });
    if (remote?.Tls is { } tls) akka.AddSetup(tls.Setup());
    if (farm.SeedNodes(remote) is { Length: > 0 } seeds) akka.WithClustering(new ClusterOptions { SeedNodes = seeds });
});
builder.Services.AddHostedService<GatewayServer>();
if (options.Http is { } http)
    builder.Services.AddHostedService(sp => new PeerBlobServer(FarmSetup.EndPointOf(http), services.Content, services.PeerSigner,
        sp.GetRequiredService<ILoggerFactory>()));

var host = builder.Build();
var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PullCluster");
try
{
    listeners.Open(log);
}
catch (NodeSocketException e)
{
    Console.Error.WriteLine($"pullcluster-node: {e.Message}");
    return 1;
}
NodeAccess.Describe(policy, tokenFile, socketPath, options.Tcp, log);
log.LogInformation("store {Store}; journal {Journal}; {Downloads} concurrent downloads, {Cpu} concurrent unpacks, layer sync {Sync}",
    settings.StoreRoot, settings.JournalOrDefault.IsPostgres ? "PostgreSQL" : "SQLite", settings.MaxConcurrentDownloads,
    settings.MaxConcurrentCpuJobs, settings.SyncLayers ? "on" : "off");
if (remote is { Tls: { } remoteTls })
    log.LogInformation("cluster endpoint {Endpoint}: {Tls}", remote.Address, remoteTls.Description);
else if (remote is not null)
    log.LogWarning("cluster endpoint {Endpoint} has no TLS: any local user can send messages to the endpoint (pull, remove, write " +
        "images as this node's user); configure pullcluster.remote.tls or a farm secret to authenticate its peers", remote.Address);
if (farm.Seeds.Count > 0)
    log.LogInformation("joining the farm through {Seeds}; serving blobs to peers at {PeerUrl}", string.Join(", ", farm.Seeds), farm.PeerUrl);
await host.RunAsync();
return 0;
