using Orleans.Runtime;

namespace HostedMail.Grains.Mailboxes;

/// <summary>
/// The nodes' watchers of one grain (Orleans observer references), in the activation's memory:
/// each is kept until three renewal periods pass without a renewal, or its node is declared dead.
/// Shared by the hubs of a grain (folder changes, credential revocations), each with its own table.
/// </summary>
// Implementation notes:
// - A new activation knows no watcher: the first renewal after a move is answered as unknown,
//   and the node catches up on what it may have missed (its fallback).
internal sealed class WatcherTable<TWatcher>(IClusterMembershipService membership, TimeProvider time, TimeSpan renewal)
    where TWatcher : class
{
    private readonly Dictionary<TWatcher, (string Node, DateTimeOffset Until)> _watchers = [];

    /// <summary>Adds or refreshes a node's watch; returns whether this activation knew it already.</summary>
    public bool Watch(TWatcher watcher, string node)
    {
        var known = _watchers.Remove(watcher);
        _watchers[watcher] = (node, time.GetUtcNow() + (3 * renewal));
        return known;
    }

    public void Unwatch(TWatcher watcher) => _watchers.Remove(watcher);

    /// <summary>Watches not expired (tests and operators).</summary>
    public int LiveCount
    {
        get
        {
            var now = time.GetUtcNow();
            return _watchers.Count(w => w.Value.Until > now);
        }
    }

    /// <summary>Every watcher, live or not (told when the grain deactivates).</summary>
    public IReadOnlyCollection<TWatcher> All => _watchers.Keys;

    /// <summary>The live watchers but <paramref name="exceptNode"/>'s; expired ones and those of dead nodes are dropped.</summary>
    public List<TWatcher> Live(string? exceptNode = null)
    {
        var live = new List<TWatcher>(_watchers.Count);
        if (_watchers.Count == 0)
        {
            return live;
        }

        var now = time.GetUtcNow();
        var snapshot = membership.CurrentSnapshot;
        foreach (var (watcher, watch) in _watchers.ToList())
        {
            if (watch.Until <= now || LeaseTable.IsDead(snapshot, watch.Node))
            {
                _watchers.Remove(watcher);
            }
            else if (watch.Node != exceptNode)
            {
                live.Add(watcher);
            }
        }

        return live;
    }
}
