using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using PullCluster.Actors.Blobs;
using PullCluster.Actors.Layers;
using PullCluster.Actors.Protocol;
using PullCluster.Core.Formats;
using PullCluster.Core.Gateway;
using PullCluster.Core.Store;

namespace PullCluster.Actors.Pulls;

/// <summary>A second caller asking for a pull that is already running joins it.</summary>
public sealed record AttachToPull(IActorRef Subscriber) : INodeMessage;

/// <summary>Told to the PullManager as a coordinator ends, so the journal can close the pull.</summary>
public sealed record PullOutcome(string Id, bool Succeeded, string? Reason) : INodeMessage;

/// <summary>
/// Runs one pull: resolves the reference to a manifest for the platform, fetches the config, asks the
/// LayerCommitActors for every layer at once, streams progress to its subscribers and records the image.
/// </summary>
public sealed class PullCoordinator : ReceiveActor, IWithTimers
{
    // Results of this actor's own background work and timers, told to itself: node-local (paths, exceptions, parsed
    // documents), so they are not serialized even where serialize-messages is on.
    /// <param name="IndexPlatform">The index entry's platform when the reference named an index, else null.</param>
    private sealed record Resolved(Digest ManifestDigest, string MediaType, long ManifestSize, ImageManifest Manifest, Platform? IndexPlatform) : INoSerializationVerificationNeeded;
    private sealed record ConfigRead(ImageConfig Config) : INoSerializationVerificationNeeded;
    private sealed record Recorded(ImageRecord Record) : INoSerializationVerificationNeeded;
    private sealed record Failed(Exception Cause) : INoSerializationVerificationNeeded;
    private sealed record PublishProgress : INoSerializationVerificationNeeded;

    private readonly string _id;
    private readonly ImageReference _image;
    private readonly Platform _platform;
    private readonly NodeServices _services;
    private readonly IActorRef _blobs;
    private readonly IActorRef _layers;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<IActorRef> _subscribers = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<Digest, int> _layerIndex = new();
    private LayerProgress[] _progress = [];
    private LayerCommitted?[] _committedLayers = [];
    private Resolved? _resolved;
    private ImageConfig? _config;
    private IReadOnlyList<Digest> _chainIds = [];
    private int _committed;
    private long _fromRegistry, _fromPeers, _shared, _reused;
    private bool _dirty;

    public PullCoordinator(string id, ImageReference image, Platform platform, IActorRef subscriber, NodeServices services, IActorRef blobs, IActorRef layers)
    {
        _id = id;
        _image = image;
        _platform = platform;
        _services = services;
        _blobs = blobs;
        _layers = layers;
        _subscribers.Add(subscriber);

        Receive<AttachToPull>(a =>
        {
            // A pull resumed after a restart has no caller of its own: the first to attach takes that place,
            // and with it the account of the bytes the pull fetched.
            if (_subscribers is [var only] && only.IsNobody()) _subscribers[0] = a.Subscriber;
            else _subscribers.Add(a.Subscriber);
            if (_progress.Length > 0) a.Subscriber.Tell(new PullProgress(_image.ToString(), _progress));
        });
        Receive<Resolved>(OnResolved);
        Receive<BlobAvailable>(OnConfigAvailable);
        Receive<BlobFetchFailed>(f => Fail(f.Reason));
        Receive<BlobFetchProgress>(_ => { });
        Receive<ConfigRead>(OnConfig);
        Receive<LayerStatus>(OnLayerStatus);
        Receive<LayerCommitted>(OnLayerCommitted);
        Receive<LayerFailed>(f => Fail(f.Reason));
        Receive<Recorded>(OnRecorded);
        Receive<Failed>(f => Fail(Describe(f.Cause)));
        Receive<PublishProgress>(_ => Publish());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string id, ImageReference image, Platform platform, IActorRef subscriber, NodeServices services, IActorRef blobs, IActorRef layers) =>
        Akka.Actor.Props.Create(() => new PullCoordinator(id, image, platform, subscriber, services, blobs, layers));

    protected override void PreStart()
    {
        var image = _image;
        var platform = _platform;
        var services = _services;
        Timers.StartPeriodicTimer("progress", new PublishProgress(), services.Settings.ProgressInterval);
        ResolveAsync(image, platform, services).PipeTo(Self, failure: e => new Failed(e));
    }

    private static async Task<Resolved> ResolveAsync(ImageReference image, Platform platform, NodeServices services)
    {
        var fetched = await services.Registry.GetManifestAsync(image, image.Reference, CancellationToken.None).ConfigureAwait(false);
        var document = ManifestParser.Parse(fetched.Bytes, fetched.MediaType);
        Platform? indexPlatform = null;
        if (document is ImageIndex index)
        {
            services.Content.Put(fetched.Digest, fetched.Bytes);
            var chosen = index.SelectPlatform(platform);
            indexPlatform = chosen.Platform;
            fetched = await services.Registry.GetManifestAsync(image, chosen.Digest.ToString(), CancellationToken.None).ConfigureAwait(false);
            document = ManifestParser.Parse(fetched.Bytes, fetched.MediaType);
        }
        if (document is not ImageManifest manifest)
            throw new InvalidDataException($"{image}: manifest {fetched.Digest} is an index inside an index");
        foreach (var layer in manifest.Layers) MediaTypes.CompressionOf(layer.MediaType);
        services.Content.Put(fetched.Digest, fetched.Bytes);
        return new Resolved(fetched.Digest, manifest.MediaType, fetched.Bytes.Length, manifest, indexPlatform);
    }

    private void OnResolved(Resolved resolved)
    {
        _resolved = resolved;
        _progress = resolved.Manifest.Layers
            .Select(l => new LayerProgress(l.Digest.ToString(), l.Size, 0, LayerStates.Waiting))
            .ToArray();
        _committedLayers = new LayerCommitted?[_progress.Length];
        _dirty = true;
        _blobs.Tell(new FetchBlob(_image, resolved.Manifest.Config));
    }

    private void OnConfigAvailable(BlobAvailable blob)
    {
        Account(blob.Origin, blob.Blob.Size, blob.FromRegistry, blob.FromPeers);
        var path = blob.Path;
        Task.Run(() => new ConfigRead(ImageConfig.Parse(File.ReadAllBytes(path))))
            .PipeTo(Self, failure: e => new Failed(e));
    }

    private void OnConfig(ConfigRead read)
    {
        var manifest = _resolved!.Manifest;
        var config = read.Config;
        if (config.DiffIds.Count != manifest.Layers.Count)
        {
            Fail($"{_image}: the config lists {config.DiffIds.Count} diff ids for {manifest.Layers.Count} layers");
            return;
        }
        _config = config;
        _chainIds = ChainIds.Compute(config.DiffIds);
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            _layerIndex[_chainIds[i]] = i;
            _layers.Tell(new CommitLayer(_image, manifest.Layers[i], config.DiffIds[i], _chainIds[i], i == 0 ? null : _chainIds[i - 1]));
        }
        if (manifest.Layers.Count == 0) Record();
    }

    private void OnLayerStatus(LayerStatus status)
    {
        if (!_layerIndex.TryGetValue(status.ChainId, out var i)) return;
        var before = _progress[i];
        _progress[i] = before with { Done = status.Done, State = status.State.Display() };
        if (before.State != _progress[i].State) Publish(force: true);
        else _dirty = true;
    }

    private void OnLayerCommitted(LayerCommitted committed)
    {
        if (!_layerIndex.TryGetValue(committed.ChainId, out var i) || _committedLayers[i] is not null) return;
        Account(committed.Origin, _resolved!.Manifest.Layers[i].Size, committed.FromRegistry, committed.FromPeers);
        _committedLayers[i] = committed;
        // Layers commit parent first, but their replies come from different actors and may cross: callers
        // see them complete one by one in chain order, as the store made them.
        while (_committed < _progress.Length && _committedLayers[_committed] is { } next)
        {
            _progress[_committed] = _progress[_committed] with
            {
                Done = _resolved.Manifest.Layers[_committed].Size,
                State = next.Origin == BlobOrigin.Stored ? LayerStates.Exists : LayerStates.Complete,
            };
            _committed++;
            Publish(force: true);
        }
        if (_committed == _progress.Length) Record();
    }

    private void Account(BlobOrigin origin, long size, long fromRegistry, long fromPeers)
    {
        switch (origin)
        {
            case BlobOrigin.Fetched:
                _fromRegistry += fromRegistry;
                _fromPeers += fromPeers;
                // A resumed partial download was already on the node; a transfer that restarted from zero moved more
                // bytes than the blob has, and the excess is not "reused".
                _reused += Math.Max(0, size - fromRegistry - fromPeers);
                break;
            case BlobOrigin.Shared:
                _shared += size;
                break;
            default:
                _reused += size;
                break;
        }
    }

    private void Record()
    {
        var r = _resolved!;
        var config = _config!;
        var layers = r.Manifest.Layers
            .Select((l, i) => new ImageLayerRecord(l.Digest.ToString(), l.MediaType, l.Size, config.DiffIds[i].ToString(), _chainIds[i].ToString()))
            .ToList();
        // The record is keyed by the platform the manifest was chosen for: an index entry whose config names
        // another platform (a sloppy build) must not replace the record of that other platform.
        var platform = ImageStore.NormalizePlatform((r.IndexPlatform ?? config.Platform).ToString());
        var record = new ImageRecord(
            _image.ToString(), r.ManifestDigest.ToString(), r.MediaType, r.ManifestSize,
            r.Manifest.Config.Digest.ToString(), r.Manifest.Config.MediaType, r.Manifest.Config.Size,
            platform, layers, DateTimeOffset.UtcNow);
        var images = _services.Images;
        Task.Run(() =>
        {
            images.Put(record);
            return new Recorded(record);
        }).PipeTo(Self, failure: e => new Failed(e));
    }

    private void OnRecorded(Recorded recorded)
    {
        Publish(force: true);
        var r = recorded.Record;
        var fetched = _fromRegistry + _fromPeers;
        _log.Info($"pulled {r.Reference} ({r.ManifestDigest}) in {_clock.Elapsed.TotalSeconds:F2}s: {fetched} bytes fetched " +
            $"({_fromRegistry} from the registry, {_fromPeers} from peers), {_shared} shared, {_reused} reused");
        var first = new PullSucceeded(r.Reference, r.ManifestDigest, r.ConfigDigest, r.Platform, r.ChainIds.ToList(),
            fetched, _shared, _reused, _clock.Elapsed, _fromRegistry, _fromPeers);
        // Callers that attached to this pull did not cause its downloads: to them those bytes were shared.
        var attached = first with { BytesFetched = 0, BytesShared = fetched + _shared, BytesFromRegistry = 0, BytesFromPeers = 0 };
        Finish(new PullOutcome(_id, true, null), attached);
        _subscribers[0].Tell(first);
        foreach (var s in _subscribers.Skip(1)) s.Tell(attached);
    }

    /// <summary>
    /// Hands the outcome to the PullManager and lingers until it retires this pull: a caller the manager
    /// attached before it heard the outcome still gets the answer. Called before the subscribers are told, so that
    /// a subscriber of this process that pulls again on hearing the result reaches a manager that already knows the
    /// pull ended, and starts a new pull instead of being attached to this one.
    /// </summary>
    private void Finish(PullOutcome outcome, object answerForLateCallers)
    {
        Timers.CancelAll();
        Context.Parent.Tell(outcome);
        Become(() =>
        {
            Receive<AttachToPull>(a => a.Subscriber.Tell(answerForLateCallers));
            ReceiveAny(_ => { });
        });
    }

    private void Publish(bool force = false)
    {
        if (!force && !_dirty) return;
        _dirty = false;
        if (_progress.Length == 0) return;
        var progress = new PullProgress(_image.ToString(), _progress.ToArray());
        foreach (var s in _subscribers) s.Tell(progress);
    }

    private void Fail(string reason)
    {
        _log.Warning("pull of {0} failed: {1}", _image, reason);
        var failed = new PullFailed(_image.ToString(), reason);
        Finish(new PullOutcome(_id, false, reason), failed);
        foreach (var s in _subscribers) s.Tell(failed);
    }

    private string Describe(Exception e)
    {
        var cause = e.Unwrap();
        return cause switch
        {
            Core.Registry.RegistryException => cause.Message,
            UnsupportedMediaTypeException u => $"{_image}: unsupported media type '{u.MediaType}'",
            _ => $"{_image}: {cause.Message}",
        };
    }
}
