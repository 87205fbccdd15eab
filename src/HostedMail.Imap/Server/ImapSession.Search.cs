using System.Text;
using System.Text.RegularExpressions;
using HostedMail.Core.Imap;
using HostedMail.Imap.Protocol;

namespace HostedMail.Imap.Server;

// SEARCH (RFC 9051 section 6.4.4), ESEARCH (RFC 4731), SEARCHRES (RFC 5182), SORT and THREAD (RFC 5256).
internal sealed partial class ImapSession
{
    private async Task<string?> HandleSearchAsync(SearchCommand command)
    {
        if (command.Charset is { } charset && !ImapCommandParser.IsSupportedCharset(charset))
        {
            throw ImapCommandException.No("BADCHARSET (UTF-8 US-ASCII)", "Unsupported charset");
        }

        var uids = await RunSearchAsync(command.Key, command.Uid, []);
        var ret = command.Return ?? (_rev2 ? SearchReturn.Default : null);
        var modSeq = HasModSeqKey(command.Key) ? await HighestModSeqAsync(uids) : (long?)null;
        if (ret is null)
        {
            _w.Ascii("* SEARCH");
            foreach (var n in Numbers(uids, command.Uid))
            {
                _w.Space().Number(n);
            }

            if (modSeq is { } m && uids.Count > 0)
            {
                _w.Ascii(" (MODSEQ ").Number(m).Ascii(")");
            }

            _w.Crlf();
        }
        else
        {
            WriteEsearch(command.Tag, command.Uid, uids, ret, modSeq);
        }

        return command.Uid ? "UID SEARCH completed" : "SEARCH completed";
    }

    private void WriteEsearch(string tag, bool uid, IReadOnlyList<long> uids, SearchReturn ret, long? modSeq)
    {
        if (ret.Save)
        {
            // RFC 5182 section 2.4: with only MIN and/or MAX, only those are saved.
            _savedSearch = (ret.Min || ret.Max) && !ret.All && !ret.Count && uids.Count > 0
                ? new[] { ret.Min ? uids[0] : -1, ret.Max ? uids[^1] : -1 }.Where(u => u > 0).Distinct().ToList()
                : uids;
            if (!ret.Min && !ret.Max && !ret.All && !ret.Count)
            {
                return;
            }
        }

        var numbers = Numbers(uids, uid).ToList();
        _w.Ascii("* ESEARCH (TAG ").String(tag).Ascii(")");
        if (uid)
        {
            _w.Ascii(" UID");
        }

        if (ret.Min && numbers.Count > 0)
        {
            _w.Ascii(" MIN ").Number(numbers.Min());
        }

        if (ret.Max && numbers.Count > 0)
        {
            _w.Ascii(" MAX ").Number(numbers.Max());
        }

        if (ret.All && numbers.Count > 0)
        {
            _w.Ascii(" ALL ").Ascii(SequenceSet.Format(numbers.Order()));
        }

        if (ret.Count)
        {
            _w.Ascii(" COUNT ").Number(numbers.Count);
        }

        if (modSeq is { } m && numbers.Count > 0)
        {
            _w.Ascii(" MODSEQ ").Number(m);
        }

        _w.Crlf();
    }

    private IEnumerable<long> Numbers(IReadOnlyList<long> uids, bool uid) =>
        uid ? uids : uids.Select(u => (long)Selected.SequenceOf((uint)u));

    /// <summary>Runs a search in the store and keeps only messages the client knows (in the sequence map).</summary>
    private async Task<IReadOnlyList<long>> RunSearchAsync(SearchKey key, bool uid, IReadOnlyList<SortCriterion> sort)
    {
        var selected = Selected;
        // Announce new messages first, so results never name a message the client has not seen.
        await SendUpdatesAsync(allowExpunge: uid);
        await EnsureMapAsync(selected);
        var storeKey = await ToStoreKeyAsync(key, 0);
        if (HasModSeqKey(key))
        {
            _condStore = true;
        }

        var found = await _services.Store.SearchAsync(TenantId, MailboxId, selected.FolderId, storeKey, sort, _connection.ConnectionClosed);
        return found.Where(u => u <= uint.MaxValue && selected.SequenceOf((uint)u) > 0).ToList();
    }

    private async Task<SearchKey> ToStoreKeyAsync(SearchKey key, int depth) => key switch
    {
        SequenceSetKey s => ToRanges(await ResolveAsync(s.Set, s.IsUid, lenient: true)),
        AndKey a => new AndKey(await Task.WhenAll(a.Keys.Select(k => ToStoreKeyAsync(k, depth + 1)))),
        OrKey o => new OrKey(await ToStoreKeyAsync(o.Left, depth + 1), await ToStoreKeyAsync(o.Right, depth + 1)),
        NotKey n => new NotKey(await ToStoreKeyAsync(n.Key, depth + 1)),
        // \Recent is the session's (RFC 3501 section 2.3.2): its UIDs, never a store column.
        RecentKey => Selected.RecentRanges.Count == 0 ? NoneKey.Instance : new UidSetKey(Selected.RecentRanges.Select(r => (r.From, r.To - 1)).ToList()),
        _ => key,
    };

    private static UidSetKey ToRanges(List<(int Seq, uint Uid)> messages)
    {
        var ranges = new List<(long, long)>();
        foreach (var (_, uid) in messages)
        {
            if (ranges.Count > 0 && ranges[^1].Item2 == uid - 1)
            {
                ranges[^1] = (ranges[^1].Item1, uid);
            }
            else
            {
                ranges.Add((uid, uid));
            }
        }

        return new UidSetKey(ranges);
    }

    private static bool HasModSeqKey(SearchKey key) => key switch
    {
        ModSeqKey => true,
        AndKey a => a.Keys.Any(HasModSeqKey),
        OrKey o => HasModSeqKey(o.Left) || HasModSeqKey(o.Right),
        NotKey n => HasModSeqKey(n.Key),
        _ => false,
    };

    private async Task<long> HighestModSeqAsync(IReadOnlyList<long> uids)
    {
        long max = 0;
        foreach (var batch in uids.Chunk(_options.FetchBatchSize))
        {
            var messages = await _services.Store.FetchAsync(TenantId, MailboxId, Selected.FolderId, batch, FetchExtras.None, _connection.ConnectionClosed);
            max = Math.Max(max, messages.Count == 0 ? 0 : messages.Max(m => m.ModSeq));
        }

        return max;
    }

    private async Task<string?> HandleSortAsync(SortCommand command)
    {
        var uids = await RunSearchAsync(command.Key, command.Uid, command.Criteria);
        if (command.Return is { } ret)
        {
            WriteEsearch(command.Tag, command.Uid, uids, ret, null);
        }
        else
        {
            _w.Ascii("* SORT");
            foreach (var n in Numbers(uids, command.Uid))
            {
                _w.Space().Number(n);
            }

            _w.Crlf();
        }

        return command.Uid ? "UID SORT completed" : "SORT completed";
    }

    private async Task<string?> HandleThreadAsync(ThreadCommand command)
    {
        if (command.Algorithm is not ("ORDEREDSUBJECT" or "REFERENCES"))
        {
            throw ImapCommandException.Bad("Unsupported threading algorithm");
        }

        var selected = Selected;
        await SendUpdatesAsync(allowExpunge: command.Uid);
        await EnsureMapAsync(selected);
        var rows = (await _services.Store.ThreadRowsAsync(TenantId, MailboxId, selected.FolderId, await ToStoreKeyAsync(command.Key, 0), _connection.ConnectionClosed))
            .Where(r => r.Uid <= uint.MaxValue && selected.SequenceOf((uint)r.Uid) > 0)
            .ToList();
        var roots = command.Algorithm == "ORDEREDSUBJECT" ? ThreadBySubject(rows) : ThreadByReferences(rows);
        var sb = new StringBuilder("* THREAD ");
        foreach (var root in roots)
        {
            sb.Append('(');
            FormatThread(root, sb, command.Uid ? r => r.Uid : r => selected.SequenceOf((uint)r.Uid));
            sb.Append(')');
        }

        _w.Ascii(sb.ToString().TrimEnd()).Crlf();
        return command.Uid ? "UID THREAD completed" : "THREAD completed";
    }

    private sealed class ThreadNode(ThreadRow row)
    {
        public ThreadRow Row { get; } = row;

        public List<ThreadNode> Children { get; } = [];
    }

    private static List<ThreadNode> ThreadBySubject(List<ThreadRow> rows)
    {
        // RFC 5256 section 3 ORDEREDSUBJECT: group by base subject, sort by date; the first of a
        // group is the parent of the others; groups in order of their first message.
        var roots = new List<ThreadNode>();
        foreach (var group in rows.GroupBy(r => BaseSubject(r.Subject)))
        {
            var ordered = group.OrderBy(r => r.Date).ThenBy(r => r.Uid).ToList();
            var root = new ThreadNode(ordered[0]);
            root.Children.AddRange(ordered.Skip(1).Select(r => new ThreadNode(r)));
            roots.Add(root);
        }

        return roots.OrderBy(r => r.Row.Date).ThenBy(r => r.Row.Uid).ToList();
    }

    private static List<ThreadNode> ThreadByReferences(List<ThreadRow> rows)
    {
        // RFC 5256 section 3 REFERENCES, simplified: a message's parent is the last message named
        // in its References (or In-Reply-To) that is in the set; no dummy nodes, no subject merging.
        var nodes = rows.Select(r => new ThreadNode(r)).ToList();
        var byId = new Dictionary<string, ThreadNode>(StringComparer.Ordinal);
        foreach (var n in nodes)
        {
            if (n.Row.MessageId is { Length: > 0 } id)
            {
                byId.TryAdd(id.Trim(), n);
            }
        }

        var roots = new List<ThreadNode>();
        foreach (var n in nodes)
        {
            var refs = MessageIdPattern().Matches((n.Row.References ?? string.Empty) + " " + (n.Row.InReplyTo ?? string.Empty)).Select(m => m.Value).ToList();
            ThreadNode? parent = null;
            for (var i = refs.Count - 1; i >= 0 && parent is null; i--)
            {
                if (byId.TryGetValue(refs[i], out var candidate) && candidate != n && !IsDescendant(candidate, n))
                {
                    parent = candidate;
                }
            }

            (parent?.Children ?? roots).Add(n);
        }

        void SortChildren(ThreadNode node)
        {
            node.Children.Sort((a, b) => a.Row.Date != b.Row.Date ? a.Row.Date.CompareTo(b.Row.Date) : a.Row.Uid.CompareTo(b.Row.Uid));
            node.Children.ForEach(SortChildren);
        }

        roots.ForEach(SortChildren);
        return roots.OrderBy(r => r.Row.Date).ThenBy(r => r.Row.Uid).ToList();
    }

    private static bool IsDescendant(ThreadNode node, ThreadNode ancestor) =>
        ancestor.Children.Any(c => c == node || IsDescendant(node, c));

    private static void FormatThread(ThreadNode node, StringBuilder sb, Func<ThreadRow, long> number)
    {
        sb.Append(number(node.Row));
        if (node.Children.Count == 1)
        {
            sb.Append(' ');
            FormatThread(node.Children[0], sb, number);
        }
        else if (node.Children.Count > 1)
        {
            sb.Append(' ');
            foreach (var child in node.Children)
            {
                sb.Append('(');
                FormatThread(child, sb, number);
                sb.Append(')');
            }
        }
    }

    /// <summary>RFC 5256 section 2.1 base subject, approximately: reply/forward prefixes, [blobs] and "(fwd)" removed, case folded.</summary>
    internal static string BaseSubject(string subject)
    {
        var s = subject.Trim();
        while (true)
        {
            var before = s;
            s = SubjectPrefixPattern().Replace(s, string.Empty);
            if (s.EndsWith("(fwd)", StringComparison.OrdinalIgnoreCase))
            {
                s = s[..^5].TrimEnd();
            }

            if (s == before)
            {
                return s.ToLowerInvariant();
            }
        }
    }

    [GeneratedRegex(@"^\s*((re|fwd?)\s*(\[[^\]]*\])?\s*:|\[[^\]]*\])\s*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SubjectPrefixPattern();

    [GeneratedRegex("<[^<>\\s]+>", RegexOptions.CultureInvariant)]
    private static partial Regex MessageIdPattern();
}
