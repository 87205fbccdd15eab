using HostedMail.Core.Imap;
using HostedMail.Core.Messages;

namespace HostedMail.Imap.Server;

/// <summary>
/// The selected folder as one session sees it: the message sequence number map (UIDs in order,
/// RFC 9051 section 2.3.1.2), the MODSEQ and UIDNEXT the session has reported up to, and the
/// expunges not yet reported. Change notifications only mark it dirty and wake IDLE.
/// </summary>
// Implementation notes:
// - The map is loaded lazily (SELECT costs O(1)): it is the folder as of SELECT's snapshot, i.e.
//   UIDs below that UIDNEXT still present plus those expunged after that MODSEQ, which the next
//   synchronisation reports as EXPUNGE like any other.
// - Only the session's own task touches the map; the feed callback touches the dirty mark, the
//   highest announced MODSEQ and the signal.
// - MODSEQs of a folder are consecutive: every committed change takes the next one. When the
//   session's own change got KnownModSeq + 1, nothing else happened in between, so the session
//   knows the folder without asking (Advance), and the change's own notification finds nothing new.
internal sealed class SelectedFolder(Folder folder, bool readOnly) : IDisposable
{
    private readonly Lock _signalLock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<uint>? _uids;
    private volatile bool _dirty;
    private volatile bool _forced;
    private long _announced;
    private int _appended;

    public Folder Folder { get; } = folder;

    public long FolderId => Folder.FolderId;

    public bool ReadOnly { get; } = readOnly;

    /// <summary>UIDNEXT and HIGHESTMODSEQ of the snapshot SELECT answered from (the map's basis).</summary>
    public long SelectUidNext { get; } = folder.UidNext;

    public long SelectModSeq { get; } = folder.HighestModSeq;

    public long KnownModSeq { get; set; } = folder.HighestModSeq;

    public long KnownUidNext { get; set; } = folder.UidNext;

    /// <summary>EXISTS count before the map is loaded.</summary>
    public int InitialCount { get; } = folder.MessageCount;

    public bool IsLoaded => _uids is not null;

    public int Count => _uids?.Count ?? InitialCount;

    public List<uint> Uids => _uids ?? throw new InvalidOperationException("map not loaded");

    /// <summary>UIDs expunged in the store, still in the map because EXPUNGE could not be sent yet.</summary>
    public SortedSet<uint> PendingExpunges { get; } = [];

    /// <summary>
    /// Keywords this session announced in FLAGS/PERMANENTFLAGS (case-insensitive, RFC 9051
    /// section 2.3.2), in announcement order; a FETCH may show only these.
    /// </summary>
    public List<string> AnnouncedKeywords { get; } = [];

    /// <summary>
    /// The UIDs that are \Recent for this session (RFC 3501 section 2.3.2): claimed at SELECT and
    /// whenever the session learns of new messages; empty for IMAP4rev2 sessions.
    /// </summary>
    public RecentUids Recent { get; } = new();

    /// <summary>Recent ranges this session's APPENDs claimed, joined to <see cref="Recent"/> at the next EXISTS.</summary>
    public List<(long From, long To)> ClaimedByAppend { get; } = [];

    public bool IsRecent(long uid) => Recent.Contains(uid);

    /// <summary>Recent messages still in the map (the "* n RECENT" number).</summary>
    public int RecentCount => Recent.IsEmpty ? 0 : Recent.CountIn(Uids);

    /// <summary>(UID, MODSEQ) of flag changes this session already reported itself.</summary>
    public Dictionary<uint, long> OwnReports { get; } = [];

    public IDisposable? Subscription { get; set; }

    /// <summary>
    /// Metadata (flags, MODSEQ, size, date, blob digest, subject) of messages this session fetched,
    /// kept current by every change the session learns of, so repeated FETCHes and most SEARCHes
    /// need no store query.
    /// </summary>
    private Dictionary<uint, ImapMessage>? _cache;

    /// <summary>FETCH batches the caches could not answer since the cache was last emptied.</summary>
    public int CacheMisses { get; set; }

    public bool TryGetCached(uint uid, out ImapMessage message)
    {
        message = null!;
        return _cache is not null && _cache.TryGetValue(uid, out message!);
    }

    public void Cache(ImapMessage message, int limit)
    {
        if (limit <= 0)
        {
            return;
        }

        _cache ??= [];
        if (_cache.Count >= limit)
        {
            // Simple bound: start over (a client walking a huge folder re-reads in batches anyway).
            _cache.Clear();
        }

        _cache[(uint)message.Uid] = message.Envelope is null && message.BodyStructure is null && message.Content is null
            ? message
            : message with { Envelope = null, BodyStructure = null, Content = null };
    }

    public void UpdateCached(long uid, MessageFlags flags, IReadOnlyList<string> keywords, long modSeq)
    {
        if (_cache is not null && _cache.TryGetValue((uint)uid, out var cached) && cached.ModSeq <= modSeq)
        {
            _cache[(uint)uid] = cached with { Flags = flags, Keywords = keywords, ModSeq = modSeq };
        }
    }

    public void Uncache(long uid) => _cache?.Remove((uint)uid);

    /// <summary>Drops the cache and its memory (an idling session may wait for hours).</summary>
    public void ClearCache()
    {
        _cache = null;
        CacheMisses = 0;
    }

    public void Load(uint[] uids) => _uids = [.. uids];

    /// <summary>1-based sequence number of a UID, or 0.</summary>
    public int SequenceOf(uint uid)
    {
        var i = Uids.BinarySearch(uid);
        return i >= 0 ? i + 1 : 0;
    }

    public uint UidAt(int sequence) => Uids[sequence - 1];

    public uint MaxUid => Uids.Count == 0 ? 0 : Uids[^1];

    /// <summary>The ranges of UIDs from <paramref name="low"/> to <paramref name="high"/> that are not in the map, ascending.</summary>
    public IEnumerable<(long Low, long High)> Absent(long low, long high)
    {
        var i = Uids.BinarySearch((uint)Math.Clamp(low, 0, uint.MaxValue));
        for (i = i < 0 ? ~i : i; low <= high; i++)
        {
            var next = i < Uids.Count ? Uids[i] : high + 1;
            if (next > low)
            {
                yield return (low, Math.Min(next - 1, high));
            }

            low = next + 1;
        }
    }

    /// <summary>Called by the change feed (any thread) with the MODSEQ a change committed at; long.MaxValue: resynchronise.</summary>
    public void Signal(long modSeq)
    {
        if (modSeq == long.MaxValue)
        {
            _forced = true;
        }
        else
        {
            // Before the dirty mark, so whoever sees the mark sees this MODSEQ too.
            long seen;
            while (modSeq > (seen = Volatile.Read(ref _announced)) && Interlocked.CompareExchange(ref _announced, modSeq, seen) != seen)
            {
            }

            if (modSeq <= KnownModSeq)
            {
                return;
            }
        }

        _dirty = true;
        lock (_signalLock)
        {
            _changed.TrySetResult();
        }
    }

    /// <summary>
    /// After a synchronisation: if the feed announced a change the answer did not include (the
    /// answer was shared and started earlier), the session is dirty again, and an IDLE wakes.
    /// </summary>
    public void RecheckAnnounced()
    {
        if (Volatile.Read(ref _announced) > KnownModSeq)
        {
            _dirty = true;
            lock (_signalLock)
            {
                _changed.TrySetResult();
            }
        }
    }

    /// <summary>When the session last read the folder's state from the store (a <see cref="TimeProvider"/> timestamp).</summary>
    public long AskedAt { get; set; }

    /// <summary>Makes the next synchronisation ask the store (a change this session cannot account for itself).</summary>
    public void ForceSync()
    {
        _forced = true;
        _dirty = true;
    }

    /// <summary>
    /// Clears the dirty mark; true when the store must be asked: the feed announced a MODSEQ the
    /// session does not know yet, or a resynchronisation was forced.
    /// </summary>
    public bool TakeDirty()
    {
        if (!_dirty)
        {
            return false;
        }

        _dirty = false;
        if (_forced)
        {
            _forced = false;
            return true;
        }

        return Volatile.Read(ref _announced) > KnownModSeq;
    }

    /// <summary>
    /// Accounts for this session's own change committed at <paramref name="modSeq"/>: if it directly
    /// follows what the session knows, the session is up to date without asking the store; otherwise
    /// someone else changed the folder too and the next synchronisation asks.
    /// </summary>
    public bool Advance(long modSeq)
    {
        if (modSeq == KnownModSeq + 1)
        {
            KnownModSeq = modSeq;
            OwnReports.Clear();
            return true;
        }

        if (modSeq > KnownModSeq)
        {
            ForceSync();
        }

        return false;
    }

    /// <summary>Adds a message this session appended (after a successful <see cref="Advance"/>); EXISTS follows at the next synchronisation.</summary>
    public void AddAppended(uint uid)
    {
        Uids.Add(uid);
        KnownUidNext = uid + 1L;
        _appended++;
    }

    /// <summary>How many appended messages the client has not been told about (and resets it).</summary>
    public int TakeAppended()
    {
        var n = _appended;
        _appended = 0;
        return n;
    }

    /// <summary>A task that completes at the next change signal (IDLE waits on it).</summary>
    public Task WaitForChangeAsync()
    {
        lock (_signalLock)
        {
            if (_changed.Task.IsCompleted)
            {
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            return _dirty ? Task.CompletedTask : _changed.Task;
        }
    }

    public void Dispose() => Subscription?.Dispose();
}
