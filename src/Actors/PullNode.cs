using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Event;
using PullCluster.Actors.Blobs;
using PullCluster.Actors.Durability;
using PullCluster.Actors.Entities;
using PullCluster.Actors.Farm;
using PullCluster.Actors.Journal;
using PullCluster.Actors.Layers;
using PullCluster.Actors.Protocol;
using PullCluster.Actors.Pulls;
using PullCluster.Actors.Scheduling;
using PullCluster.Core.Formats;

namespace PullCluster.Actors;

/// <summary>
/// Starts a node's actors in an actor system: its farm membership (a one-node cluster unless seeds say otherwise), the
/// farm's blob authorities (a shard region), the two slot pools, the layers' sync barrier, the node's own blob and layer
/// regions (one entity per digest / chain ID) and the PullManager at /user/pulls, which is the address callers send to.
/// </summary>
/// <remarks>
/// A lone node runs the same cluster-sharded code as a farm, so there is one path to test: it joins itself and hosts
/// every authority.
/// </remarks>
public static class PullNode
{
    public const string PullsName = "pulls";

    /// <summary>
    /// The Akka configuration a node needs beyond the defaults: a cluster of its own on a random loopback port, the
    /// split-brain resolver, its journal, snapshot store and serializers.
    /// </summary>
    public static Config AkkaConfig(PullClusterSettings settings) =>
        ClusterConfig
            .WithFallback(settings.JournalOrDefault.ToAkkaConfig(settings.StoreRoot))
            .WithFallback(ApiSerializer.AkkaConfig)
            .WithFallback(NodeMessageSerializer.AkkaConfig)
            .WithFallback(FarmMessageSerializer.AkkaConfig)
            .WithFallback(ClusterSharding.DefaultConfig());

    private static readonly Config ClusterConfig = ConfigurationFactory.ParseString("""
        akka {
          actor.provider = cluster
          remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
          cluster {
            downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
            split-brain-resolver.active-strategy = keep-majority
            sharding.passivation.default-idle-strategy.idle-entity.timeout = off
          }
        }
        """);

    public static IActorRef Start(ActorSystem system, NodeServices services)
    {
        var settings = services.Settings;
        var discarded = services.Layers.DiscardStaging();
        if (discarded > 0) system.Log.Info("discarded {0} unfinished layer unpacks from {1}", discarded, services.Layout.LayerStaging);
        var (migrated, unreadable) = services.Images.MigrateUnkeyedRecords();
        if (migrated > 0) system.Log.Info("keyed {0} image records of an older store by their platform", migrated);
        foreach (var file in unreadable) system.Log.Warning("image record {0} does not parse; it was left as it is", file);

        var cluster = Akka.Cluster.Cluster.Get(system);
        var self = new FarmNode(cluster.SelfAddress.ToString(), services.PeerUrl, cluster.SelfUniqueAddress.Uid);
        system.ActorOf(FarmMembership.Props(services.Layout.FarmMarker,
            system.Settings.Config.GetBoolean("pullcluster.cluster.restarted-first-seed", false)), "farm-membership");
        system.ActorOf(BlobHoldings.Props(services, self), BlobHoldings.Name);
        var authority = ClusterSharding.Get(system).Start(
            BlobAuthorityRouting.TypeName, BlobAuthority.Props, ClusterShardingSettings.Create(system),
            new BlobAuthorityRouting(BlobAuthorityRouting.DefaultShards));
        if (system.Settings.Config.GetStringList("akka.cluster.seed-nodes").Count == 0) cluster.Join(cluster.SelfAddress);

        var journalSettings = settings.JournalOrDefault;
        var journal = system.ActorOf(
            StoreJournal.Props($"pullcluster-store-{NodeIdentity.Of(services.Layout)}", services, journalSettings.VerifyOnStart), "journal");
        var downloads = system.ActorOf(WorkSlots.Props("downloads", settings.MaxConcurrentDownloads), "download-slots");
        var cpu = system.ActorOf(WorkSlots.Props("cpu", settings.MaxConcurrentCpuJobs), "cpu-slots");
        var blobs = system.ActorOf(LocalEntityRegion.Props((id, _) => BlobActor.Props(Digest.Parse(id), services, downloads, journal, authority, self)), "blobs");
        var sync = system.ActorOf(SyncBarrier.Props(services.Layout.LayerStaging, services.Layers.SyncOnCommit), "layer-sync");
        var layers = system.ActorOf(LocalEntityRegion.Props((id, region) => LayerCommitActor.Props(Digest.Parse(id), services, blobs, region, cpu, journal, sync)), "layers");
        return system.ActorOf(PullManager.Props(services, blobs, layers, journal), PullsName);
    }
}
