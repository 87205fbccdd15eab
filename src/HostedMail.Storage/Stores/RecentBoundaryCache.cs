using System.Collections.Concurrent;

namespace HostedMail.Storage.Stores;

/// <summary>
/// How far this node knows each folder's recent boundary (folders.recent_uid) has advanced. The
/// boundary only grows, so a claim up to a UID the node already knows is claimed finds nothing
/// and needs no query. Without it, every IMAP4rev1 session told of a new message ran the claim
/// (a row lock, a write and a commit flush each): 100 idling sessions of one mailbox queued 100
/// commits on one folder row per delivery. And because those sessions wake together, before any
/// of them has claimed, a claim this node is already running for a folder is waited for rather
/// than joined on the folder row's lock (<see cref="ClaimOnceAsync"/>).
/// </summary>
internal sealed class RecentBoundaryCache(int capacity = 100_000)
{
    private readonly ConcurrentDictionary<long, long> _boundaries = new();
    private readonly ConcurrentDictionary<long, Task> _claiming = new();

    /// <summary>Whether every UID below <paramref name="upToUid"/> is known to be claimed already.</summary>
    public bool Covers(long folderId, long upToUid) => _boundaries.TryGetValue(folderId, out var boundary) && boundary >= upToUid;

    /// <summary>
    /// Runs <paramref name="claim"/> (which raises the boundary) unless the boundary already covers
    /// <paramref name="upToUid"/>, first waiting for a claim of the same folder this node runs: the
    /// sessions one delivery wakes make one claim between them. Returns <paramref name="covered"/>
    /// when there is nothing left to claim.
    /// </summary>
    public async Task<T> ClaimOnceAsync<T>(long folderId, long upToUid, Func<Task<T>> claim, T covered, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (Covers(folderId, upToUid))
            {
                return covered;
            }

            if (_claiming.TryGetValue(folderId, out var running))
            {
                // Never faults: a failed claim leaves its waiters to try for themselves.
                await running.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_claiming.TryAdd(folderId, done.Task))
            {
                continue;
            }

            try
            {
                return await claim().ConfigureAwait(false);
            }
            finally
            {
                _claiming.TryRemove(new KeyValuePair<long, Task>(folderId, done.Task));
                done.SetResult();
            }
        }
    }

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
