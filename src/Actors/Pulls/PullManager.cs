using Akka.Actor;
using Akka.Event;
using PullCluster.Actors.Images;
using PullCluster.Actors.Journal;
using PullCluster.Actors.Protocol;
using PullCluster.Core.Formats;

namespace PullCluster.Actors.Pulls;

/// <summary>
/// The node's entry point for the message API (/user/pulls): one PullCoordinator per distinct
/// (reference, platform) in flight; a PullImage for a pull already running attaches to it. Pulls are
/// journaled from acceptance to outcome, and those a crash interrupted are resumed once the journal is
/// ready — callers re-attach by asking for the same image. Image operations go to the images actor, told
/// whether pulls are in flight so removal never prunes content a running pull is using.
/// </summary>
public sealed class PullManager : ReceiveActor, IWithUnboundedStash
{
    private readonly NodeServices _services;
    private readonly IActorRef _blobs;
    private readonly IActorRef _layers;
    private readonly IActorRef _journal;
    private readonly IActorRef _images;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, IActorRef> _inFlight = new();
    private readonly Dictionary<IActorRef, string> _keys = new();

    public PullManager(NodeServices services, IActorRef blobs, IActorRef layers, IActorRef journal)
    {
        _services = services;
        _blobs = blobs;
        _layers = layers;
        _journal = journal;
        _images = Context.ActorOf(ImagesActor.Props(services, blobs), "images");
        Receive<JournalReady>(ready =>
        {
            foreach (var pull in ready.Pulls) Resume(pull);
            Stash.UnstashAll();
            Become(Ready);
        });
        ReceiveAny(_ => Stash.Stash());
    }

    public IStash Stash { get; set; } = null!;

    public static Props Props(NodeServices services, IActorRef blobs, IActorRef layers, IActorRef journal) =>
        Akka.Actor.Props.Create(() => new PullManager(services, blobs, layers, journal));

    protected override void PreStart() => _journal.Tell(new AwaitJournalReady());

    private void Ready()
    {
        Receive<PullImage>(Pull);
        Receive<PullOutcome>(o =>
        {
            _journal.Tell(new EndPull(o.Id, o.Succeeded, o.Reason));
            // From here a request for the image starts a new pull. The coordinator is retired with a
            // PoisonPill, which queues behind any attach sent to it before, so those still get the outcome.
            if (_keys.Remove(Sender, out var key)) _inFlight.Remove(key);
            Sender.Tell(PoisonPill.Instance);
        });
        Receive<PullJournaled>(_ => { });
        Receive<Terminated>(t =>
        {
            if (_keys.Remove(t.ActorRef, out var key)) _inFlight.Remove(key);
        });
        Receive<ListImages>(m => _images.Forward(m));
        Receive<RemoveImage>(m => _images.Forward(new ImagesActor.Remove(m, Prune: _inFlight.Count == 0, ReplyTo: m.ReplyTo ?? Sender)));
        Receive<MaterializeRootfs>(m => ForwardLocalOnly(m, m.Image, m.ReplyTo));
        Receive<ExportImage>(m => ForwardLocalOnly(m, m.Image, m.ReplyTo));
        Receive<OpenRootfsTar>(m => ForwardLocalOnly(m, m.Image, m.ReplyTo));
        Receive<OpenExportTar>(m => ForwardLocalOnly(m, m.Image, m.ReplyTo));
    }

    /// <summary>
    /// Operations that write on the node's host as the node's user, or hand out a stream of its store, are for
    /// programs in the node's process; one from another actor system (over Akka.Remote) is refused.
    /// </summary>
    private void ForwardLocalOnly(object request, string image, IActorRef? replyTo)
    {
        if (IsRemote(Sender) || (replyTo is not null && IsRemote(replyTo)))
        {
            (replyTo ?? Sender).Tell(new ImageOperationFailed(image,
                $"{request.GetType().Name} is only accepted from the node's own process; from elsewhere use 'pullcluster image rootfs' or 'image export', which write with the caller's rights"));
            return;
        }
        _images.Forward(request);
    }

    private static bool IsRemote(IActorRef actor) => actor.Path.Address.HasGlobalScope;

    private void Pull(PullImage request)
    {
        var replyTo = request.ReplyTo ?? Sender;
        if (!TryParse(request.Image, request.Platform, out var image, out var platform, out var error))
        {
            replyTo.Tell(new PullFailed(request.Image, error!));
            return;
        }
        var key = $"{image}|{platform}";
        if (_inFlight.TryGetValue(key, out var running))
        {
            running.Tell(new AttachToPull(replyTo));
            return;
        }
        var id = Guid.NewGuid().ToString("N");
        _journal.Tell(new AcceptPull(id, request.Image, request.Platform));
        Start(id, key, image!, platform!, replyTo);
    }

    private void Resume(PullAccepted pull)
    {
        if (!TryParse(pull.Image, pull.Platform, out var image, out var platform, out var error))
        {
            _journal.Tell(new EndPull(pull.Id, false, error));
            return;
        }
        var key = $"{image}|{platform}";
        if (_inFlight.ContainsKey(key))
        {
            _journal.Tell(new EndPull(pull.Id, true, "merged into a resumed pull of the same image"));
            return;
        }
        _log.Info("resuming the pull of {0} ({1}) interrupted by a restart", image, platform);
        Start(pull.Id, key, image!, platform!, ActorRefs.Nobody);
    }

    private void Start(string id, string key, ImageReference image, Platform platform, IActorRef subscriber)
    {
        var coordinator = Context.ActorOf(PullCoordinator.Props(id, image, platform, subscriber, _services, _blobs, _layers), $"pull-{id}");
        Context.Watch(coordinator);
        _inFlight[key] = coordinator;
        _keys[coordinator] = key;
    }

    private static bool TryParse(string image, string? platform, out ImageReference? reference, out Platform? parsed, out string? error)
    {
        try
        {
            reference = ImageReference.Parse(image);
            parsed = string.IsNullOrWhiteSpace(platform) ? Platform.Current : Platform.Parse(platform);
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            reference = null;
            parsed = null;
            error = e.Message;
            return false;
        }
    }
}
