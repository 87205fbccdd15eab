using System.Text;
using HostedMail.Core.Imap;
using HostedMail.Core.Messages;

namespace HostedMail.Imap.Server;

/// <summary>
/// SEARCH over message metadata a session already holds (flags, keywords, MODSEQ, size, internal
/// date, subject), the way Dovecot searches its index and cache files instead of the mail: keys that
/// need nothing else are answered without a store query. The store's SQL (PostgresImapStore.Search)
/// is the reference; <c>CachedSearchTests</c> checks that both agree on random keys and messages.
/// </summary>
// Implementation notes:
// - Case-insensitive comparisons lower both sides and compare ordinally, as PostgreSQL's ILIKE and
//   lower() = lower() do in a UTF-8 database (docs/imap-conformance.md D34 for keywords).
// - Dates: BEFORE/ON/SINCE compare the internal date's UTC day (the zone is not stored), as the SQL
//   does. SENT* keys, header fields other than SUBJECT, BODY and TEXT need message text: not here.
internal static class CachedSearch
{
    /// <summary>Whether every key of the tree can be answered from metadata alone.</summary>
    public static bool CanEvaluate(SearchKey key) => key switch
    {
        AndKey a => a.Keys.All(CanEvaluate),
        OrKey o => CanEvaluate(o.Left) && CanEvaluate(o.Right),
        NotKey n => CanEvaluate(n.Key),
        AllKey or NoneKey or UidSetKey or FlagKey or KeywordKey or SizeKey or AgeKey or ModSeqKey => true,
        DateKey d => !d.SentDate,
        HeaderKey h => IsSubject(h),
        _ => false,
    };

    /// <summary>The UIDs of the matching messages, ascending (the store's order).</summary>
    public static List<long> Run(SearchKey key, IReadOnlyList<ImapMessage> messages, DateTimeOffset now)
    {
        var match = Compile(key, now);
        var uids = new List<long>();
        foreach (var message in messages)
        {
            if (match(message))
            {
                uids.Add(message.Uid);
            }
        }

        uids.Sort();
        return uids;
    }

    // .NET's invariant casing keeps U+0130 (capital I with dot above); PostgreSQL's lower() maps it
    // to "i" (the simple mapping of UnicodeData.txt), so a search for "istanbul" finds "İstanbul".
    private static string Lower(string s) => s.ToLowerInvariant().Replace('\u0130', 'i');

    /// <summary>Whether lower(<paramref name="text"/>) contains <paramref name="lowered"/>, without lowering ASCII text.</summary>
    // OrdinalIgnoreCase folds to upper case, lower() to lower case: the two agree when both strings
    // are ASCII, and only then is the allocation-free comparison used.
    private static bool ContainsLowered(string text, string lowered, bool asciiLowered) =>
        asciiLowered && Ascii.IsValid(text)
            ? text.Contains(lowered, StringComparison.OrdinalIgnoreCase)
            : Lower(text).Contains(lowered, StringComparison.Ordinal);

    private static bool IsSubject(HeaderKey h) => h.Field.Equals("subject", StringComparison.OrdinalIgnoreCase) && h.Value.Length > 0;

    private static Func<ImapMessage, bool> Compile(SearchKey key, DateTimeOffset now)
    {
        switch (key)
        {
            case AndKey a:
                var all = a.Keys.Select(k => Compile(k, now)).ToArray();
                return m =>
                {
                    foreach (var f in all)
                    {
                        if (!f(m))
                        {
                            return false;
                        }
                    }

                    return true;
                };
            case OrKey o:
                var left = Compile(o.Left, now);
                var right = Compile(o.Right, now);
                return m => left(m) || right(m);
            case NotKey n:
                var inner = Compile(n.Key, now);
                return m => !inner(m);
            case AllKey:
                return _ => true;
            case NoneKey:
                return _ => false;
            case UidSetKey u:
                return m =>
                {
                    foreach (var (start, end) in u.Ranges)
                    {
                        if (m.Uid >= start && m.Uid <= end)
                        {
                            return true;
                        }
                    }

                    return false;
                };
            case FlagKey f:
                return m => ((m.Flags & f.Flag) != 0) == f.IsSet;
            case KeywordKey k:
                var keyword = Lower(k.Keyword);
                return m => m.Keywords.Any(x => string.Equals(Lower(x), keyword, StringComparison.Ordinal)) == k.IsSet;
            case SizeKey s:
                return m => s.Larger ? m.Size > s.Size : m.Size < s.Size;
            case AgeKey a:
                var boundary = now.AddSeconds(-a.Seconds);
                return m => a.Older ? m.InternalDate <= boundary : m.InternalDate > boundary;
            case ModSeqKey q:
                return m => m.ModSeq >= q.ModSeq;
            case DateKey { SentDate: false } d:
                return m =>
                {
                    var day = DateOnly.FromDateTime(m.InternalDate.UtcDateTime);
                    return d.Comparison switch
                    {
                        DateComparison.Before => day < d.Date,
                        DateComparison.On => day == d.Date,
                        _ => day >= d.Date,
                    };
                };
            case HeaderKey h when IsSubject(h):
                var value = Lower(h.Value);
                var asciiValue = Ascii.IsValid(value);
                return m => m.Subject is { } subject && ContainsLowered(subject, value, asciiValue);
            default:
                throw new NotSupportedException("not answered from metadata: " + key.GetType().Name);
        }
    }
}
