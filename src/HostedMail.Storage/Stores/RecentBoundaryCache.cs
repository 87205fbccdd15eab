using System.Collections.Concurrent;

namespace HostedMail.Storage.Stores;

/// <summary>
/// How far this node knows each folder's recent boundary (folders.recent_uid) has advanced. The
/// boundary only grows, so a claim up to a UID the node already knows is claimed finds nothing
/// and needs no query. Without it, every IMAP4rev1 session told of a new message ran the claim
/// (a row lock, a write and a commit flush each): 100 idling sessions of one mailbox queued 100
/// commits on one folder row per delivery.
/// </summary>
internal sealed class RecentBoundaryCache(int capacity = 100_000)
{
    private readonly ConcurrentDictionary<long, long> _boundaries = new();

    /// <summary>Whether every UID below <paramref name="upToUid"/> is known to be claimed already.</summary>
    public bool Covers(long folderId, long upToUid) => _boundaries.TryGetValue(folderId, out var boundary) && boundary >= upToUid;

    /// <summary>Records that the folder's boundary is at least <paramref name="boundary"/>.</summary>
    public void Raise(long folderId, long boundary)
    {
        if (_boundaries.Count >= capacity)
        {
            // Knowledge, not state: forgetting it only costs the next claim its query.
            _boundaries.Clear();
        }

        _boundaries.AddOrUpdate(folderId, boundary, (_, known) => Math.Max(known, boundary));
    }
}
