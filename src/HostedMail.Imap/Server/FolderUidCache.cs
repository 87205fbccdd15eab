using System.Collections.Concurrent;
using HostedMail.Core.Imap;

namespace HostedMail.Imap.Server;

/// <summary>
/// The last UID list this node read for each recently selected folder, with the folder state
/// (UIDNEXT, HIGHESTMODSEQ) it answers for. SELECT needs the folder's whole UID list; read from the
/// database it costs time in proportion to the folder (0.7 ms of PostgreSQL for a few hundred
/// messages, most of that engine's work in a client that logs in, selects and leaves), where a
/// state already seen costs nothing and a later one only the rows that changed since
/// (<see cref="IImapStore.ListUidChangesAsync"/>). Dovecot keeps the same list in its index files.
/// </summary>
/// <remarks>
/// A state (UIDNEXT, HIGHESTMODSEQ) names one UID list for good: every change to a folder raises
/// its HIGHESTMODSEQ and expunges leave tombstones, so an entry is never stale, only old; once the
/// tombstones after it are pruned (the folder's expunge horizon passed it) it is read again whole.
/// Each node keeps its own; the database stays the record. Bounded by <c>maxUids</c> UIDs in all
/// (5 bytes each): past it, the least recently used entries go.
/// </remarks>
public sealed class FolderUidCache(long maxUids = FolderUidCache.DefaultMaxUids)
{
    /// <summary>Four million UIDs: about 20 MB.</summary>
    public const long DefaultMaxUids = 4_000_000;

    private readonly ConcurrentDictionary<(long Tenant, long Mailbox, long Folder), Entry> _entries = new();
    private long _uids;
    private long _clock;

    /// <summary>How many UIDs the entries hold.</summary>
    public long UidCount => Interlocked.Read(ref _uids);

    /// <summary>The entry for a folder whose state is not after (<paramref name="uidNext"/>, <paramref name="modSeq"/>).</summary>
    public bool TryGet((long Tenant, long Mailbox, long Folder) folder, long uidNext, long modSeq, out Entry entry)
    {
        if (_entries.TryGetValue(folder, out var found) && found.ModSeq <= modSeq && found.UidNext <= uidNext)
        {
            found.LastUse = Interlocked.Increment(ref _clock);
            entry = found;
            return true;
        }

        entry = null!;
        return false;
    }

    /// <summary>Keeps <paramref name="uids"/> as the folder's entry unless the entry held is of a later state.</summary>
    public void Offer((long Tenant, long Mailbox, long Folder) folder, long uidNext, long modSeq, FolderUids uids)
    {
        if (uids.Uids.Length > maxUids / 4)
        {
            return;
        }

        var entry = new Entry(uidNext, modSeq, uids) { LastUse = Interlocked.Increment(ref _clock) };
        while (true)
        {
            if (_entries.TryGetValue(folder, out var held))
            {
                if (held.ModSeq >= modSeq || !_entries.TryUpdate(folder, entry, held))
                {
                    return;
                }

                Interlocked.Add(ref _uids, uids.Uids.Length - held.Uids.Uids.Length);
                break;
            }

            if (_entries.TryAdd(folder, entry))
            {
                Interlocked.Add(ref _uids, uids.Uids.Length);
                break;
            }
        }

        if (UidCount > maxUids)
        {
            Trim();
        }
    }

    /// <summary>
    /// The UID list of a later state: <paramref name="from"/>'s, with the changes since its MODSEQ
    /// applied (<paramref name="changes"/> in UID order, as the store returns them).
    /// </summary>
    public static FolderUids Apply(FolderUids from, IReadOnlyList<UidChange> changes)
    {
        var uids = new List<uint>(from.Uids.Length + changes.Count);
        var unseen = new List<bool>(from.Uids.Length + changes.Count);
        int i = 0, c = 0;
        while (i < from.Uids.Length || c < changes.Count)
        {
            if (c == changes.Count || (i < from.Uids.Length && from.Uids[i] < changes[c].Uid))
            {
                uids.Add(from.Uids[i]);
                unseen.Add(from.Unseen[i]);
                i++;
                continue;
            }

            var change = changes[c++];
            if (i < from.Uids.Length && from.Uids[i] == change.Uid)
            {
                i++;
            }

            if (change.Kind != UidChangeKind.ExpungedByThen)
            {
                uids.Add(change.Uid);
                unseen.Add(change.Kind == UidChangeKind.Unseen);
            }
        }

        return new FolderUids([.. uids], [.. unseen]);
    }

    private void Trim()
    {
        foreach (var (folder, entry) in _entries.OrderBy(e => e.Value.LastUse).ToList())
        {
            if (UidCount <= maxUids * 3 / 4)
            {
                return;
            }

            if (_entries.TryRemove(new KeyValuePair<(long, long, long), Entry>(folder, entry)))
            {
                Interlocked.Add(ref _uids, -entry.Uids.Uids.Length);
            }
        }
    }

    /// <summary>A folder's UID list at the state (<see cref="UidNext"/>, <see cref="ModSeq"/>).</summary>
    public sealed record Entry(long UidNext, long ModSeq, FolderUids Uids)
    {
        /// <summary>When a session last used it, in the cache's own count of uses.</summary>
        public long LastUse { get; set; }
    }
}
