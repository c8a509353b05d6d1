namespace PullCluster.Actors.Entities;

/// <summary>A message for one keyed entity (a blob by digest, a layer by chain ID): the region routes on EntityId.</summary>
public interface IEntityMessage
{
    string EntityId { get; }
}

/// <summary>An entity asks its region to stop it when it has been idle; the region buffers messages meanwhile.</summary>
public sealed record Passivate : INodeMessage;
