namespace HostedMail.Imap.Server;

/// <summary>
/// The UIDs that are \Recent for one IMAP4rev1 session (RFC 3501 section 2.3.2), as half-open
/// ranges [From, To) kept sorted and merged. A session claims a range at SELECT, at every EXISTS
/// and at every APPEND to its folder; the claims of a long session follow each other, so they
/// merge into a few ranges, and FETCH FLAGS asks membership by binary search, not by a walk over
/// every claim the session ever made (which made IsRecent a tenth of the node's CPU under the
/// APPEND-heavy benchmark).
/// </summary>
internal sealed class RecentUids
{
    private readonly List<(long From, long To)> _ranges = [];

    public bool IsEmpty => _ranges.Count == 0;

    public IReadOnlyList<(long From, long To)> Ranges => _ranges;

    public void Add(long from, long to)
    {
        if (from >= to)
        {
            return;
        }

        // Where it goes: after every range that starts at or before it (usually the end).
        var i = _ranges.Count;
        while (i > 0 && _ranges[i - 1].From > from)
        {
            i--;
        }

        if (i > 0 && _ranges[i - 1].To >= from)
        {
            i--;
            from = _ranges[i].From;
            to = Math.Max(to, _ranges[i].To);
            _ranges.RemoveAt(i);
        }

        while (i < _ranges.Count && _ranges[i].From <= to)
        {
            to = Math.Max(to, _ranges[i].To);
            _ranges.RemoveAt(i);
        }

        _ranges.Insert(i, (from, to));
    }

    public bool Contains(long uid)
    {
        // The last range starting at or below uid is the only one that can hold it.
        int low = 0, high = _ranges.Count - 1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            if (_ranges[mid].From <= uid)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return high >= 0 && uid < _ranges[high].To;
    }

    /// <summary>How many of <paramref name="uids"/> (ascending) are recent: two binary searches a range.</summary>
    public int CountIn(List<uint> uids)
    {
        var count = 0;
        foreach (var (from, to) in _ranges)
        {
            count += LowerBound(uids, to) - LowerBound(uids, from);
        }

        return count;
    }

    private static int LowerBound(List<uint> uids, long value)
    {
        if (value > uint.MaxValue)
        {
            return uids.Count;
        }

        var index = uids.BinarySearch((uint)Math.Max(0, value));
        return index < 0 ? ~index : index;
    }
}
