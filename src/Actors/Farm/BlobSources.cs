using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace PullCluster.Actors.Farm;

/// <summary>
/// The farm's knowledge of one blob and its choices: who fetches it from the registry, who holds it, who is receiving
/// it from whom. Kept apart from <see cref="BlobAuthority"/> so that every choice is plain code with unit specs.
/// </summary>
/// <remarks>
/// Sources are chosen by load: a node that is still receiving the blob serves others too (it streams what it has),
/// but only once every holder and fetcher already feeds <see cref="FanOut"/> receivers, so a small farm takes each blob
/// straight from its fetcher and a large one grows a tree instead of queueing on one uplink.
/// </remarks>
public sealed class BlobSources(string digest)
{
    /// <summary>Receivers a holder or fetcher feeds before receivers start serving each other.</summary>
    public const int FanOut = 4;

    private readonly Dictionary<string, FarmNode> _nodes = new();
    private readonly HashSet<string> _holders = new();
    private readonly HashSet<string> _fetchers = new();
    private readonly Dictionary<string, string> _receivers = new();

    public string Digest { get; } = digest;

    /// <summary>Whether a transfer is under way, which the authority must not forget by passivating.</summary>
    public bool IsBusy => _fetchers.Count > 0 || _receivers.Count > 0;

    public IReadOnlyCollection<string> Holders => _holders;

    public IReadOnlyCollection<string> Fetchers => _fetchers;

    /// <summary>Receiver → the node it receives from (both by <see cref="FarmNode.Key"/>).</summary>
    public IReadOnlyDictionary<string, string> Receivers => _receivers;

    /// <summary>What a member said it has of the blob when asked.</summary>
    public void Learned(Holding holding)
    {
        var address = Remember(holding.Node);
        switch (holding.State)
        {
            case HoldingState.Complete:
                _holders.Add(address);
                _fetchers.Remove(address);
                break;
            // A node already receiving (from the registry, for all the authority knows now) is a source: it streams.
            case HoldingState.Receiving when !_receivers.ContainsKey(address):
                _fetchers.Add(address);
                break;
        }
    }

    /// <summary>
    /// The first answer for requesters that asked together before anything was known: when nobody holds or receives
    /// the blob, one of them is chosen as its fetcher by rendezvous hashing of the digest and the node, so across an
    /// image's layers the registry fetches spread over the nodes that asked instead of all going to the first.
    /// </summary>
    public IReadOnlyList<IFarmMessage> AssignTogether(IReadOnlyList<AcquireBlob> requests)
    {
        if (requests.Count > 0 && _holders.Count == 0 && _fetchers.Count == 0 && _receivers.Count == 0)
        {
            var fetcher = requests.Select(r => r.Requester).Where(n => n.Serves).DistinctBy(n => n.Key)
                .OrderByDescending(n => Rendezvous(n.Address)).FirstOrDefault();
            if (fetcher is not null) _fetchers.Add(Remember(fetcher));
        }
        return requests.Select(Assign).ToList();
    }

    /// <summary>Where the requester gets the blob; idempotent while nothing else changed.</summary>
    public IFarmMessage Assign(AcquireBlob request)
    {
        var requester = Remember(request.Requester);
        var excluded = request.Excluded.ToHashSet();
        bool Excluded(string key) => excluded.Contains(key);
        bool Usable(string address) => address != requester && _nodes[address].Serves && !Excluded(address) && IsRooted(address, requester, Excluded);

        if (_fetchers.Contains(requester)) return new FetchFromRegistry(Digest);
        if (_receivers.TryGetValue(requester, out var current) && Usable(current) && IsSource(current))
            return new FetchFromPeer(Digest, _nodes[current]);

        var best = _holders.Concat(_fetchers).Concat(_receivers.Keys).Distinct().Where(Usable)
            .OrderBy(a => Load(a) + (_holders.Contains(a) || _fetchers.Contains(a) ? 0 : FanOut))
            .ThenByDescending(k => Rendezvous(_nodes[k].Address))
            .FirstOrDefault();
        if (best is null)
        {
            _receivers.Remove(requester);
            _fetchers.Add(requester);
            return new FetchFromRegistry(Digest);
        }
        _receivers[requester] = best;
        return new FetchFromPeer(Digest, _nodes[best]);
    }

    public void Held(FarmNode node)
    {
        var address = Remember(node);
        _holders.Add(address);
        _fetchers.Remove(address);
        _receivers.Remove(address);
    }

    public void Abandoned(FarmNode node)
    {
        _fetchers.Remove(node.Key);
        _receivers.Remove(node.Key);
    }

    /// <summary>A member (its <see cref="FarmNode.Key"/>) became unreachable or left: it is no source, and those receiving from it will ask again.</summary>
    public void Gone(string address)
    {
        _holders.Remove(address);
        _fetchers.Remove(address);
        _receivers.Remove(address);
        foreach (var receiver in _receivers.Where(kv => kv.Value == address).Select(kv => kv.Key).ToList())
            _receivers.Remove(receiver);
    }

    /// <summary>
    /// Whether bytes reach <paramref name="address"/>: it holds or fetches the blob, or receives it through a chain of
    /// receivers that ends at one, neither passing through the requester (two survivors of a dead fetcher would
    /// otherwise be told to take the blob from each other, and wait until their idle timeouts) nor through a node the
    /// requester found failing (whose receivers are starved with it).
    /// </summary>
    private bool IsRooted(string address, string requester, Func<string, bool> excluded)
    {
        var seen = new HashSet<string>();
        for (var current = address; seen.Add(current);)
        {
            if (current == requester || excluded(current)) return false;
            if (_holders.Contains(current) || _fetchers.Contains(current)) return true;
            if (!_receivers.TryGetValue(current, out var next)) return false;
            current = next;
        }
        return false;
    }

    private bool IsSource(string address) => _holders.Contains(address) || _fetchers.Contains(address) || _receivers.ContainsKey(address);

    private int Load(string address) => _receivers.Values.Count(source => source == address);

    private string Remember(FarmNode node)
    {
        _nodes[node.Key] = node;
        return node.Key;
    }

    // Every authority incarnation computes the same order, so a restarted one picks the same fetcher.
    private ulong Rendezvous(string address) =>
        BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(Digest + "\n" + address)));
}
