using Akka.Actor;

namespace PullCluster.Actors.Entities;

/// <summary>
/// One child actor per entity id, created on first message and stopped when it asks to passivate: the region of a
/// node's own entities (its blobs and its layers, which live in its store). Messages that arrive while an entity is
/// stopping are buffered and delivered to its successor. An entity is given the region, to reach its siblings through.
/// </summary>
public sealed class LocalEntityRegion : ReceiveActor
{
    private readonly Func<string, IActorRef, Props> _entityProps;
    private readonly Dictionary<string, IActorRef> _entities = new();
    private readonly Dictionary<IActorRef, string> _ids = new();
    private readonly Dictionary<string, List<(object Message, IActorRef Sender)>> _stopping = new();

    public LocalEntityRegion(Func<string, IActorRef, Props> entityProps)
    {
        _entityProps = entityProps;
        Receive<IEntityMessage>(Deliver);
        Receive<Passivate>(_ => BeginPassivation(Sender));
        Receive<Terminated>(t => Stopped(t.ActorRef));
    }

    public static Props Props(Func<string, IActorRef, Props> entityProps) => Akka.Actor.Props.Create(() => new LocalEntityRegion(entityProps));

    private void Deliver(IEntityMessage message)
    {
        var id = message.EntityId;
        if (_stopping.TryGetValue(id, out var buffer))
        {
            buffer.Add((message, Sender));
            return;
        }
        if (!_entities.TryGetValue(id, out var entity))
        {
            entity = Context.ActorOf(_entityProps(id, Self), Uri.EscapeDataString(id));
            Context.Watch(entity);
            _entities[id] = entity;
            _ids[entity] = id;
        }
        entity.Forward(message);
    }

    private void BeginPassivation(IActorRef entity)
    {
        if (!_ids.TryGetValue(entity, out var id) || _stopping.ContainsKey(id)) return;
        _stopping[id] = [];
        entity.Tell(PoisonPill.Instance);
    }

    private void Stopped(IActorRef entity)
    {
        if (!_ids.Remove(entity, out var id)) return;
        _entities.Remove(id);
        if (_stopping.Remove(id, out var buffer))
            foreach (var (message, sender) in buffer)
                Self.Tell(message, sender);
    }
}
