namespace PullCluster.Core.Layers;

/// <summary>
/// A queue between two threads that blocks rather than spins: with a handful of megabyte-sized items in flight,
/// spinning (as BlockingCollection does) only burns a core that extraction or another pull could use.
/// </summary>
internal sealed class Handoff<T>
{
    private readonly Queue<T> _items = new();

    public void Add(T item, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        lock (_items)
        {
            _items.Enqueue(item);
            Monitor.Pulse(_items);
        }
    }

    public T Take(CancellationToken ct = default)
    {
        using var wake = ct.CanBeCanceled ? ct.Register(() => { lock (_items) Monitor.PulseAll(_items); }) : default;
        lock (_items)
        {
            while (_items.Count == 0)
            {
                ct.ThrowIfCancellationRequested();
                Monitor.Wait(_items);
            }
            return _items.Dequeue();
        }
    }

    public bool TryTake(out T item)
    {
        lock (_items) return _items.TryDequeue(out item!);
    }
}
