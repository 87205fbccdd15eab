using HostedMail.Core.Imap;
using HostedMail.Core.Messages;

namespace HostedMail.Imap.Protocol;

// SEARCH, SORT and THREAD programs (RFC 9051 section 6.4.4, RFC 4731, RFC 5182, RFC 5256, RFC 7162, RFC 5032).
internal static partial class ImapCommandParser
{
    private static SearchCommand ParseSearch(ImapReader r, string tag, bool uid)
    {
        r.Space();
        SearchReturn? ret = null;
        if (r.TryWord("RETURN"))
        {
            r.Space();
            ret = ReturnOptions(r);
            r.Space();
        }

        string? charset = null;
        if (r.TryWord("CHARSET"))
        {
            r.Space();
            charset = r.AString();
            r.Space();
        }

        return new SearchCommand(tag, SearchKeys(r, uid, 0), charset, ret);
    }

    private static SortCommand ParseSort(ImapReader r, string tag, bool uid)
    {
        r.Space();
        SearchReturn? ret = null;
        if (r.TryWord("RETURN"))
        {
            r.Space();
            ret = ReturnOptions(r);
            r.Space();
        }

        r.Expect('(');
        var criteria = new List<SortCriterion>();
        do
        {
            var reverse = r.TryWord("REVERSE");
            if (reverse)
            {
                r.Space();
            }

            var field = r.Word() switch
            {
                "ARRIVAL" => SortField.Arrival,
                "CC" => SortField.Cc,
                "DATE" => SortField.Date,
                "FROM" => SortField.From,
                "SIZE" => SortField.Size,
                "SUBJECT" => SortField.Subject,
                "TO" => SortField.To,
                "DISPLAYFROM" => SortField.DisplayFrom,
                "DISPLAYTO" => SortField.DisplayTo,
                _ => throw ImapReader.Error("unknown sort criterion"),
            };
            criteria.Add(new SortCriterion(field, reverse));
        }
        while (r.TryConsume(' '));
        r.Expect(')');
        r.Space();
        CheckCharset(r.AString());
        return new SortCommand(tag, criteria, SearchProgram(r, uid), ret);
    }

    private static SearchKey SearchProgram(ImapReader r, bool uid)
    {
        r.Space();
        return SearchKeys(r, uid, 0);
    }

    /// <summary>Charsets SEARCH accepts; others get NO [BADCHARSET] from the session, SORT/THREAD too.</summary>
    public static bool IsSupportedCharset(string charset) =>
        charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase);

    private static void CheckCharset(string charset)
    {
        if (!IsSupportedCharset(charset))
        {
            throw new ImapSyntaxException("[BADCHARSET (UTF-8 US-ASCII)] unsupported charset");
        }
    }

    private static SearchReturn ReturnOptions(ImapReader r)
    {
        r.Expect('(');
        bool min = false, max = false, all = false, count = false, save = false;
        while (!r.TryConsume(')'))
        {
            r.TryConsume(' ');
            switch (r.Word())
            {
                case "MIN": min = true; break;
                case "MAX": max = true; break;
                case "ALL": all = true; break;
                case "COUNT": count = true; break;
                case "SAVE": save = true; break;
                default: throw ImapReader.Error("unknown RETURN option");
            }
        }

        // RFC 4731 section 3.1: RETURN () means RETURN (ALL).
        return !min && !max && !count && !save ? new SearchReturn(false, false, true, false, false) : new SearchReturn(min, max, all, count, save);
    }

    private static SearchKey SearchKeys(ImapReader r, bool uid, int depth)
    {
        var keys = new List<SearchKey> { SearchKeyOne(r, uid, depth) };
        while (r.TryConsume(' '))
        {
            keys.Add(SearchKeyOne(r, uid, depth));
        }

        return keys.Count == 1 ? keys[0] : new AndKey(keys);
    }

    private static SearchKey SearchKeyOne(ImapReader r, bool uid, int depth)
    {
        if (depth > MaxSearchDepth)
        {
            throw ImapReader.Error("search program nested too deeply");
        }

        if (r.TryConsume('('))
        {
            var inner = SearchKeys(r, uid, depth + 1);
            r.Expect(')');
            return inner;
        }

        var b = r.Peek();
        if (b is (byte)'*' or (byte)'$' or (>= (byte)'0' and <= (byte)'9'))
        {
            return new SequenceSetKey(r.SequenceSet(), IsUid: false);
        }

        var word = r.Word();
        switch (word)
        {
            case "ALL": return AllKey.Instance;
            case "ANSWERED": return new FlagKey(MessageFlags.Answered, true);
            case "DELETED": return new FlagKey(MessageFlags.Deleted, true);
            case "DRAFT": return new FlagKey(MessageFlags.Draft, true);
            case "FLAGGED": return new FlagKey(MessageFlags.Flagged, true);
            case "SEEN": return new FlagKey(MessageFlags.Seen, true);
            case "UNANSWERED": return new FlagKey(MessageFlags.Answered, false);
            case "UNDELETED": return new FlagKey(MessageFlags.Deleted, false);
            case "UNDRAFT": return new FlagKey(MessageFlags.Draft, false);
            case "UNFLAGGED": return new FlagKey(MessageFlags.Flagged, false);
            case "UNSEEN": return new FlagKey(MessageFlags.Seen, false);
            // RFC 3501 section 6.4.4 (IMAP4rev1; for IMAP4rev2 sessions nothing is recent).
            case "NEW": return new AndKey([RecentKey.Instance, new FlagKey(MessageFlags.Seen, false)]);
            case "RECENT": return RecentKey.Instance;
            case "OLD": return new NotKey(RecentKey.Instance);
            case "KEYWORD":
            case "UNKEYWORD":
                r.Space();
                return new KeywordKey(r.Atom(), word == "KEYWORD");
            case "BCC":
            case "CC":
            case "FROM":
            case "SUBJECT":
            case "TO":
                r.Space();
                return new HeaderKey(word.ToLowerInvariant(), r.AString());
            case "HEADER":
                r.Space();
                var field = r.AString();
                r.Space();
                return new HeaderKey(field, r.AString());
            case "BODY":
            case "TEXT":
                r.Space();
                return new TextKey(r.AString(), word == "BODY");
            case "BEFORE": return DateKey(r, DateComparison.Before, false);
            case "ON": return DateKey(r, DateComparison.On, false);
            case "SINCE": return DateKey(r, DateComparison.Since, false);
            case "SENTBEFORE": return DateKey(r, DateComparison.Before, true);
            case "SENTON": return DateKey(r, DateComparison.On, true);
            case "SENTSINCE": return DateKey(r, DateComparison.Since, true);
            case "LARGER":
            case "SMALLER":
                r.Space();
                return new SizeKey(r.Number(wide: true), word == "LARGER");
            case "OLDER":
            case "YOUNGER":
                r.Space();
                return new AgeKey(r.NzNumber(), word == "OLDER");
            case "NOT":
                r.Space();
                return new NotKey(SearchKeyOne(r, uid, depth + 1));
            case "OR":
                r.Space();
                var left = SearchKeyOne(r, uid, depth + 1);
                r.Space();
                return new OrKey(left, SearchKeyOne(r, uid, depth + 1));
            case "UID":
                r.Space();
                return new SequenceSetKey(r.SequenceSet(), IsUid: true);
            case "MODSEQ":
                r.Space();
                if (r.PeekIs('"'))
                {
                    // RFC 7162 section 3.1.5: entry-name entry-type-req; per-flag MODSEQs are not kept, so they are ignored.
                    r.Quoted();
                    r.Space();
                    r.Word();
                    r.Space();
                }

                return new ModSeqKey(r.Number(wide: true));
            default:
                throw ImapReader.Error("unknown search key " + word);
        }
    }

    private static DateKey DateKey(ImapReader r, DateComparison comparison, bool sent)
    {
        r.Space();
        return new DateKey(r.Date(), comparison, sent);
    }
}
