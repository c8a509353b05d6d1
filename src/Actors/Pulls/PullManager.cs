using Akka.Actor;
using PullCluster.Actors.Images;
using PullCluster.Actors.Protocol;
using PullCluster.Core.Formats;

namespace PullCluster.Actors.Pulls;

/// <summary>
/// The node's entry point for the message API (/user/pulls): one PullCoordinator per distinct
/// (reference, platform) in flight; a PullImage for a pull already running attaches to it.
/// Image operations go to the images actor, told whether pulls are in flight so removal never prunes
/// content a running pull is using.
/// </summary>
public sealed class PullManager : ReceiveActor
{
    private readonly NodeServices _services;
    private readonly IActorRef _blobs;
    private readonly IActorRef _layers;
    private readonly IActorRef _images;
    private readonly Dictionary<string, IActorRef> _inFlight = new();
    private readonly Dictionary<IActorRef, string> _keys = new();
    private long _seq;

    public PullManager(NodeServices services, IActorRef blobs, IActorRef layers)
    {
        _services = services;
        _blobs = blobs;
        _layers = layers;
        _images = Context.ActorOf(ImagesActor.Props(services), "images");

        Receive<PullImage>(Pull);
        Receive<Terminated>(t =>
        {
            if (_keys.Remove(t.ActorRef, out var key)) _inFlight.Remove(key);
        });
        Receive<ListImages>(m => _images.Forward(m));
        Receive<RemoveImage>(m => _images.Forward(new ImagesActor.Remove(m, Prune: _inFlight.Count == 0, ReplyTo: m.ReplyTo ?? Sender)));
        Receive<MaterializeRootfs>(m => _images.Forward(m));
        Receive<ExportImage>(m => _images.Forward(m));
    }

    public static Props Props(NodeServices services, IActorRef blobs, IActorRef layers) =>
        Akka.Actor.Props.Create(() => new PullManager(services, blobs, layers));

    private void Pull(PullImage request)
    {
        var replyTo = request.ReplyTo ?? Sender;
        ImageReference image;
        Platform platform;
        try
        {
            image = ImageReference.Parse(request.Image);
            platform = string.IsNullOrWhiteSpace(request.Platform) ? Platform.Current : Platform.Parse(request.Platform);
        }
        catch (FormatException e)
        {
            replyTo.Tell(new PullFailed(request.Image, e.Message));
            return;
        }
        var key = $"{image}|{platform}";
        if (_inFlight.TryGetValue(key, out var running))
        {
            running.Tell(new AttachToPull(replyTo));
            return;
        }
        var coordinator = Context.ActorOf(PullCoordinator.Props(image, platform, replyTo, _services, _blobs, _layers), $"pull-{++_seq}");
        Context.Watch(coordinator);
        _inFlight[key] = coordinator;
        _keys[coordinator] = key;
    }
}
