using HostedMail.Core.Imap;
using HostedMail.Imap.Protocol;

namespace HostedMail.Imap.Server;

// SEARCH (RFC 9051 section 6.4.4), ESEARCH (RFC 4731), SEARCHRES (RFC 5182); SORT and THREAD are in ImapSession.Sort.cs.
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

        if (sort.Count == 0 && CachedSearch.CanEvaluate(storeKey) && await MetadataOfAllAsync(selected) is { } cached)
        {
            // Only messages of the map were looked at.
            return CachedSearch.Run(storeKey, cached, _time.GetUtcNow());
        }

        var found = await _services.Store.SearchAsync(TenantId, MailboxId, selected.FolderId, storeKey, sort, _connection.ConnectionClosed);
        return found.Where(u => u <= uint.MaxValue && selected.SequenceOf((uint)u) > 0).ToList();
    }

    /// <summary>
    /// The metadata of every message in the session's map: from its cache, the few it lacks (new
    /// messages) read in one store query and cached. Null when the folder is larger than the cache
    /// or too much is missing: then the store searches. A message expunged by another session and
    /// not yet reported is in neither, so it matches nothing, as in the store's search.
    /// </summary>
    private async Task<List<ImapMessage>?> MetadataOfAllAsync(SelectedFolder selected)
    {
        if (selected.Count > _options.SessionCacheMessages)
        {
            return null;
        }

        var messages = new List<ImapMessage>(selected.Count);
        var missing = new List<long>();
        foreach (var uid in selected.Uids)
        {
            if (selected.TryGetCached(uid, out var message))
            {
                messages.Add(message);
            }
            else
            {
                missing.Add(uid);
            }
        }

        if (missing.Count > _options.FetchBatchSize)
        {
            return null;
        }

        messages.AddRange(await CacheMetadataAsync(selected, missing));
        return messages;
    }

    private async Task<SearchKey> ToStoreKeyAsync(SearchKey key, int depth) => key switch
    {
        SequenceSetKey s => ToRanges(await ResolveAsync(s.Set, s.IsUid, lenient: true)),
        AndKey a => new AndKey(await Task.WhenAll(a.Keys.Select(k => ToStoreKeyAsync(k, depth + 1)))),
        OrKey o => new OrKey(await ToStoreKeyAsync(o.Left, depth + 1), await ToStoreKeyAsync(o.Right, depth + 1)),
        NotKey n => new NotKey(await ToStoreKeyAsync(n.Key, depth + 1)),
        // \Recent is the session's (RFC 3501 section 2.3.2): its UIDs, never a store column.
        RecentKey => Selected.Recent.IsEmpty ? NoneKey.Instance : new UidSetKey(Selected.Recent.Ranges.Select(r => (r.From, r.To - 1)).ToList()),
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
}
