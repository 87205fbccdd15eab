using HostedMail.Core.Messages;

namespace HostedMail.Core.Imap;

/// <summary>
/// A SEARCH criterion (RFC 9051 section 6.4.4) over one folder, as the store evaluates it. Sessions
/// turn message sequence numbers into <see cref="UidSetKey"/> before a query reaches the store.
/// </summary>
public abstract record SearchKey;

/// <summary>Every key must match (the implicit AND of a search program).</summary>
public sealed record AndKey(IReadOnlyList<SearchKey> Keys) : SearchKey;

/// <summary>OR key1 key2.</summary>
public sealed record OrKey(SearchKey Left, SearchKey Right) : SearchKey;

/// <summary>NOT key.</summary>
public sealed record NotKey(SearchKey Key) : SearchKey;

/// <summary>ALL (also what RECENT's absence reduces OLD to).</summary>
public sealed record AllKey : SearchKey
{
    public static AllKey Instance { get; } = new();
}

/// <summary>Matches nothing.</summary>
public sealed record NoneKey : SearchKey
{
    public static NoneKey Instance { get; } = new();
}

/// <summary>
/// RECENT (RFC 3501 section 6.4.4; NEW is RECENT UNSEEN, OLD is NOT RECENT). \Recent belongs to a
/// session, so the session replaces this key with the UIDs recent for it before the store sees it.
/// </summary>
public sealed record RecentKey : SearchKey
{
    public static RecentKey Instance { get; } = new();
}

/// <summary>UIDs in inclusive ranges.</summary>
public sealed record UidSetKey(IReadOnlyList<(long Start, long End)> Ranges) : SearchKey;

/// <summary>A system flag set (or not set, for UNSEEN and the like).</summary>
public sealed record FlagKey(MessageFlags Flag, bool IsSet) : SearchKey;

/// <summary>KEYWORD / UNKEYWORD.</summary>
public sealed record KeywordKey(string Keyword, bool IsSet) : SearchKey;

/// <summary>LARGER (greater than) or SMALLER (less than) in octets.</summary>
public sealed record SizeKey(long Size, bool Larger) : SearchKey;

/// <summary>How a date key compares.</summary>
public enum DateComparison
{
    Before,
    On,
    Since,
}

/// <summary>BEFORE/ON/SINCE (internal date) and SENTBEFORE/SENTON/SENTSINCE (Date header), by calendar day.</summary>
public sealed record DateKey(DateOnly Date, DateComparison Comparison, bool SentDate) : SearchKey;

/// <summary>OLDER / YOUNGER n seconds (RFC 5032 WITHIN).</summary>
public sealed record AgeKey(long Seconds, bool Older) : SearchKey;

/// <summary>A header field containing a substring, case-insensitively (FROM, TO, CC, BCC, SUBJECT, HEADER).</summary>
public sealed record HeaderKey(string Field, string Value) : SearchKey;

/// <summary>BODY (body only) or TEXT (header and body) containing a substring, case-insensitively.</summary>
public sealed record TextKey(string Value, bool BodyOnly) : SearchKey;

/// <summary>MODSEQ n: messages with a MODSEQ at least n (RFC 7162 section 3.1.5).</summary>
public sealed record ModSeqKey(long ModSeq) : SearchKey;

/// <summary>A SORT criterion (RFC 5256 section 3).</summary>
public enum SortField
{
    Arrival,
    Cc,
    Date,
    From,
    Size,
    Subject,
    To,
    DisplayFrom,
    DisplayTo,
}

/// <summary>A SORT criterion with its REVERSE modifier.</summary>
public sealed record SortCriterion(SortField Field, bool Reverse);
