using Akka.Actor;
using Akka.Event;
using PullCluster.Actors.Blobs;
using PullCluster.Actors.Durability;
using PullCluster.Actors.Entities;
using PullCluster.Actors.Journal;
using PullCluster.Actors.Layers;
using PullCluster.Actors.Protocol;
using PullCluster.Actors.Pulls;
using PullCluster.Actors.Scheduling;
using PullCluster.Core.Formats;

namespace PullCluster.Actors;

/// <summary>
/// Starts a node's actors in an actor system: the two slot pools, the layers' sync barrier, the blob and layer regions (one entity
/// per digest / chain ID) and the PullManager at /user/pulls, which is the address callers send to.
/// </summary>
public static class PullNode
{
    public const string PullsName = "pulls";

    /// <summary>The Akka configuration a node needs beyond the defaults: its journal, snapshot store and serializers.</summary>
    public static Akka.Configuration.Config AkkaConfig(PullClusterSettings settings) =>
        settings.JournalOrDefault.ToAkkaConfig(settings.StoreRoot)
            .WithFallback(ApiSerializer.AkkaConfig)
            .WithFallback(NodeMessageSerializer.AkkaConfig);

    public static IActorRef Start(ActorSystem system, NodeServices services)
    {
        var settings = services.Settings;
        var discarded = services.Layers.DiscardStaging();
        if (discarded > 0) system.Log.Info("discarded {0} unfinished layer unpacks from {1}", discarded, services.Layout.LayerStaging);
        var (migrated, unreadable) = services.Images.MigrateUnkeyedRecords();
        if (migrated > 0) system.Log.Info("keyed {0} image records of an older store by their platform", migrated);
        foreach (var file in unreadable) system.Log.Warning("image record {0} does not parse; it was left as it is", file);

        var journalSettings = settings.JournalOrDefault;
        var journal = system.ActorOf(
            StoreJournal.Props($"pullcluster-store-{NodeIdentity.Of(services.Layout)}", services, journalSettings.VerifyOnStart), "journal");
        var downloads = system.ActorOf(WorkSlots.Props("downloads", settings.MaxConcurrentDownloads), "download-slots");
        var cpu = system.ActorOf(WorkSlots.Props("cpu", settings.MaxConcurrentCpuJobs), "cpu-slots");
        var blobs = system.ActorOf(LocalEntityRegion.Props(id => BlobActor.Props(Digest.Parse(id), services, downloads, journal)), "blobs");
        var sync = system.ActorOf(SyncBarrier.Props(services.Layout.LayerStaging, services.Layers.SyncOnCommit), "layer-sync");
        var layers = system.ActorOf(LocalEntityRegion.Props(id => LayerCommitActor.Props(Digest.Parse(id), services, blobs, cpu, journal, sync)), "layers");
        return system.ActorOf(PullManager.Props(services, blobs, layers, journal), PullsName);
    }
}
