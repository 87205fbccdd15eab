using System.Text;
using System.Text.RegularExpressions;
using HostedMail.Core;
using HostedMail.Core.Imap;
using HostedMail.Core.Messages;
using HostedMail.Imap.Protocol;

namespace HostedMail.Imap.Server;

// Folder commands: SELECT/EXAMINE, CLOSE/UNSELECT, CREATE, DELETE, RENAME, SUBSCRIBE,
// LIST/LSUB (RFC 5258, RFC 5819, RFC 6154), STATUS, GETQUOTA/GETQUOTAROOT/SETQUOTA (RFC 9208).
internal sealed partial class ImapSession
{
    private static readonly string[] SpecialUses = [@"\Archive", @"\Drafts", @"\Junk", @"\Sent", @"\Trash"];

    private async Task<string?> HandleSelectAsync(SelectCommand command)
    {
        if (_selected is not null)
        {
            // RFC 7162 section 3.2.11: a server implementing QRESYNC (we advertise it) MUST send CLOSED
            // when SELECT/EXAMINE closes the selected folder, whether or not the client enabled it;
            // RFC 9051 section 6.3.2 requires it too. It marks where the old folder's responses end.
            Deselect();
            _w.Ascii("* OK [CLOSED] Previous mailbox is now closed").Crlf();
        }

        if (command.Qresync is not null && !_qresync)
        {
            throw ImapCommandException.Bad("QRESYNC is not enabled");
        }

        _condStore |= command.CondStore;
        var asked = _time.GetTimestamp();
        var folder = await GetFolderAsync(command.Mailbox);
        var selected = new SelectedFolder(folder, command.Verb == ImapVerb.Examine) { AskedAt = asked };
        selected.Subscription = _services.Feed.Subscribe(TenantId, MailboxId, folder.FolderId, selected.Signal);
        _selected = selected;
        _state = ImapSessionState.Selected;

        _w.Ascii("* ").Number(folder.MessageCount).Ascii(" EXISTS").Crlf();
        if (!_rev2)
        {
            // RFC 3501 section 2.3.2: SELECT takes the messages that arrived since any session last
            // did (cluster-wide, folders.recent_uid); EXAMINE only looks and takes nothing.
            var recent = await _services.Store.ClaimRecentAsync(TenantId, MailboxId, folder.FolderId, folder.UidNext, claim: !selected.ReadOnly, _connection.ConnectionClosed);
            if (recent is { } r && r.ToUid > r.FromUid)
            {
                selected.Recent.Add(r.FromUid, r.ToUid);
            }

            _w.Ascii("* ").Number(recent?.Count ?? 0).Ascii(" RECENT").Crlf();
        }

        WriteFlagsAnnouncement(selected);
        if (!_rev2 && folder.UnseenCount > 0)
        {
            // RFC 3501 section 6.3.1 (erratum 3032): OK [UNSEEN n], the sequence number of the first
            // message without \Seen, is REQUIRED when there is one. RFC 9051 dropped it for rev2.
            // The sequence map's read names it: one query, not a second scan of the folder.
            var firstUnseen = (await LoadMapAsync(selected)).FirstUnseen;
            var seq = firstUnseen > 0 ? selected.SequenceOf(firstUnseen) : 0;
            if (seq > 0)
            {
                _w.Ascii("* OK [UNSEEN ").Number(seq).Ascii("] First unseen").Crlf();
            }
        }

        _w.Ascii("* OK [UIDVALIDITY ").Number(folder.UidValidity).Ascii("] UIDs valid").Crlf();
        _w.Ascii("* OK [UIDNEXT ").Number(folder.UidNext).Ascii("] Predicted next UID").Crlf();
        _w.Ascii("* OK [HIGHESTMODSEQ ").Number(folder.HighestModSeq).Ascii("] Highest").Crlf();
        if (_rev2)
        {
            // RFC 9051 section 6.3.2: the mailbox name as the server knows it.
            _w.Ascii("* LIST () \"/\" ");
            WriteMailboxName(folder.Name);
            _w.Crlf();
        }

        if (command.Qresync is { } q && q.UidValidity == folder.UidValidity)
        {
            await WriteQresyncAsync(selected, q);
        }

        return (selected.ReadOnly ? "[READ-ONLY] " : "[READ-WRITE] ") + (command.Verb == ImapVerb.Examine ? "EXAMINE" : "SELECT") + " completed";
    }

    /// <summary>RFC 7162 section 3.2.5.1: VANISHED (EARLIER) and FETCH for what changed since the client's MODSEQ.</summary>
    private async Task WriteQresyncAsync(SelectedFolder selected, QresyncParameters q)
    {
        await EnsureMapAsync(selected);
        var changes = await _services.Store.GetChangesAsync(TenantId, MailboxId, selected.FolderId, q.ModSeq, _connection.ConnectionClosed);
        if (changes is null)
        {
            return;
        }

        // Without known UIDs the client may know any UID below the UIDNEXT its SELECT saw.
        IReadOnlyList<(long Low, long High)> known = q.KnownUids is { } set ? [.. set.Resolve(selected.MaxUid)] : [(1, selected.SelectUidNext - 1)];
        WriteVanishedEarlier(selected, changes.Vanished, changes.VanishedComplete, known, selected.SelectUidNext);

        AnnounceKeywords(changes.Changed.Select(c => c.Keywords));
        foreach (var change in changes.Changed)
        {
            var seq = selected.SequenceOf((uint)change.Uid);
            if (seq > 0)
            {
                _w.Ascii("* ").Number(seq).Ascii(" FETCH (UID ").Number(change.Uid).Ascii(" FLAGS ");
                WriteFlags(change.Flags, change.Keywords, selected.IsRecent(change.Uid));
                _w.Ascii(" MODSEQ (").Number(change.ModSeq).Ascii("))").Crlf();
            }
        }
    }

    /// <summary>
    /// FLAGS and PERMANENTFLAGS (RFC 3501 section 7.2.6, RFC 9051 section 7.3.5): the system flags
    /// and every keyword this session has announced. SELECT sends the system flags (the RFCs' minimum)
    /// and keywords are announced as the session first meets them (<see cref="AnnounceKeywords"/>),
    /// always before the first FETCH that shows them, so SELECT needs no scan of the folder.
    /// </summary>
    private void WriteFlagsAnnouncement(SelectedFolder selected)
    {
        var keywords = string.Concat(selected.AnnouncedKeywords.Select(k => " " + k));
        _w.Ascii(@"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft").Ascii(keywords).Ascii(")").Crlf();
        _w.Ascii(selected.ReadOnly ? "* OK [PERMANENTFLAGS ()] Read-only mailbox" : @"* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft" + keywords + @" \*)] Flags permitted").Crlf();
    }

    /// <summary>
    /// Announces keywords the session has not announced yet, with a new FLAGS and PERMANENTFLAGS.
    /// Called before any untagged FETCH that shows flags and whenever the session learns of
    /// changes (another session's STORE/APPEND/COPY/MOVE, on any node): a client may reject, or
    /// silently drop, a keyword in FETCH that FLAGS never listed.
    /// </summary>
    private void AnnounceKeywords(IEnumerable<IReadOnlyList<string>> keywordLists)
    {
        if (_selected is not { } selected)
        {
            return;
        }

        var added = false;
        foreach (var list in keywordLists)
        {
            foreach (var keyword in list)
            {
                if (!selected.AnnouncedKeywords.Contains(keyword, StringComparer.OrdinalIgnoreCase))
                {
                    selected.AnnouncedKeywords.Add(keyword);
                    added = true;
                }
            }
        }

        if (added)
        {
            WriteFlagsAnnouncement(selected);
        }
    }

    /// <summary>
    /// VANISHED (EARLIER) for the UID ranges a client asked about (RFC 7162 sections 3.2.5.2 and 3.2.6):
    /// the remembered expunges among them below <paramref name="uidNext"/> and, when the folder's
    /// history no longer reaches back to the client's MODSEQ (<paramref name="complete"/> false),
    /// every UID of them below <paramref name="uidNext"/> the session's map lacks. The RFC allows
    /// UIDs expunged before the MODSEQ; it is what a server without expunge history sends.
    /// </summary>
    private void WriteVanishedEarlier(SelectedFolder selected, IReadOnlyList<long> remembered, bool complete, IReadOnlyList<(long Low, long High)> asked, long uidNext)
    {
        var vanished = remembered.Where(uid => uid < uidNext && asked.Any(r => uid >= r.Low && uid <= r.High)).Select(uid => (uid, uid)).ToList();
        if (!complete)
        {
            vanished.AddRange(asked.SelectMany(r => selected.Absent(Math.Max(r.Low, 1), Math.Min(r.High, uidNext - 1))));
        }

        if (vanished.Count > 0)
        {
            _w.Ascii("* VANISHED (EARLIER) ").Ascii(SequenceSet.FormatRanges(vanished)).Crlf();
        }
    }

    private async Task EnsureMapAsync(SelectedFolder selected)
    {
        if (!selected.IsLoaded)
        {
            await LoadMapAsync(selected);
        }
    }

    private async Task<FolderUids> LoadMapAsync(SelectedFolder selected)
    {
        var uids = await _services.Shared.ListUidsAsync(TenantId, MailboxId, selected.FolderId, selected.SelectUidNext, selected.SelectModSeq, _connection.ConnectionClosed);
        selected.Load(uids.Uids);
        return uids;
    }

    private void Deselect()
    {
        _selected?.Dispose();
        _selected = null;
        _state = ImapSessionState.Authenticated;
    }

    private async Task<string?> HandleCloseAsync(ImapCommand command)
    {
        var selected = Selected;
        if (command.Verb == ImapVerb.Close && !selected.ReadOnly)
        {
            // RFC 9051 section 6.4.1: expunge silently, no EXPUNGE responses.
            await _services.Store.ExpungeDeletedAsync(TenantId, MailboxId, selected.FolderId, null, _connection.ConnectionClosed);
        }

        Deselect();
        return command.Verb == ImapVerb.Close ? "CLOSE completed" : "UNSELECT completed";
    }

    private async Task<string?> HandleCreateAsync(CreateCommand command)
    {
        var name = ToStorageName(command.Mailbox);
        CheckNewName(name);
        if (name == "INBOX")
        {
            throw ImapCommandException.No("ALREADYEXISTS", "INBOX always exists");
        }

        string? specialUse = null;
        if (command.SpecialUse.Count > 0)
        {
            var use = SpecialUses.FirstOrDefault(s => s.Equals(command.SpecialUse[0], StringComparison.OrdinalIgnoreCase));
            if (command.SpecialUse.Count > 1 || use is null)
            {
                throw ImapCommandException.No("USEATTR", "Unsupported special-use attribute");
            }

            specialUse = use;
        }

        await CreateParentsAsync(name);
        await _services.Store.CreateFolderAsync(TenantId, MailboxId, name, specialUse, _connection.ConnectionClosed);
        return "CREATE completed";
    }

    /// <summary>RFC 9051 section 6.3.4: superior names needed for a new name are created too.</summary>
    private async Task CreateParentsAsync(string name)
    {
        var existing = (await _services.Folders.ListFoldersAsync(TenantId, MailboxId, _connection.ConnectionClosed)).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        while (slash > 0)
        {
            var parent = name[..slash];
            if (!existing.Contains(parent))
            {
                try
                {
                    await _services.Store.CreateFolderAsync(TenantId, MailboxId, parent, null, _connection.ConnectionClosed);
                }
                catch (HostedMailException ex) when (ex.Error == HostedMailError.Conflict)
                {
                    // Created meanwhile by another session: fine.
                }
            }

            slash = name.IndexOf('/', slash + 1);
        }
    }

    private static void CheckNewName(string name)
    {
        if (name.Length == 0 || name.Length > 500 || name.StartsWith('/') || name.Contains("//", StringComparison.Ordinal)
            || name.Contains('*', StringComparison.Ordinal) || name.Contains('%', StringComparison.Ordinal) || name.Any(char.IsControl))
        {
            throw ImapCommandException.No("CANNOT", "Invalid mailbox name");
        }
    }

    private async Task<string?> HandleDeleteAsync(MailboxCommand command)
    {
        var name = ToStorageName(command.Mailbox);
        if (name == "INBOX")
        {
            throw ImapCommandException.No("CANNOT", "INBOX cannot be deleted");
        }

        var folder = await GetFolderAsync(command.Mailbox);
        if (_selected?.FolderId == folder.FolderId)
        {
            Deselect();
        }

        if (!await _services.Store.DeleteFolderAsync(TenantId, MailboxId, name, _connection.ConnectionClosed))
        {
            throw ImapCommandException.No("NONEXISTENT", "No such mailbox");
        }

        return "DELETE completed";
    }

    private async Task<string?> HandleRenameAsync(RenameCommand command)
    {
        var from = ToStorageName(command.From);
        var to = ToStorageName(command.To);
        CheckNewName(to);
        if (to == "INBOX" || to.StartsWith(from + "/", StringComparison.Ordinal))
        {
            throw ImapCommandException.No("CANNOT", "Cannot rename to that name");
        }

        var source = await GetFolderAsync(command.From);
        if (await _services.Folders.GetFolderAsync(TenantId, MailboxId, to, _connection.ConnectionClosed) is not null)
        {
            throw ImapCommandException.No("ALREADYEXISTS", "Target mailbox exists");
        }

        await CreateParentsAsync(to);
        if (from == "INBOX")
        {
            // RFC 9051 section 6.3.6: renaming INBOX moves its messages to the new name and leaves INBOX empty.
            var target = await _services.Store.CreateFolderAsync(TenantId, MailboxId, to, null, _connection.ConnectionClosed);
            var uids = await _services.Store.SearchAsync(TenantId, MailboxId, source.FolderId, Core.Imap.AllKey.Instance, [], _connection.ConnectionClosed);
            if (uids.Count > 0)
            {
                await _services.Store.CopyAsync(TenantId, MailboxId, source.FolderId, uids, target.FolderId, move: true, _connection.ConnectionClosed);
            }

            MarkDirty(source.FolderId);
            return "RENAME completed";
        }

        await _services.Store.RenameFolderAsync(TenantId, MailboxId, from, to, _connection.ConnectionClosed);
        return "RENAME completed";
    }

    private async Task<string?> HandleSubscribeAsync(MailboxCommand command)
    {
        var subscribe = command.Verb == ImapVerb.Subscribe;
        if (!await _services.Store.SetSubscribedAsync(TenantId, MailboxId, ToStorageName(command.Mailbox), subscribe, _connection.ConnectionClosed))
        {
            throw ImapCommandException.No("NONEXISTENT", "No such mailbox");
        }

        return subscribe ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed";
    }

    private async Task<string?> HandleListAsync(ListCommand command)
    {
        var lsub = command.Verb == ImapVerb.Lsub;
        var verb = lsub ? "LSUB" : "LIST";
        if (command.Patterns.Count == 1 && command.Patterns[0].Length == 0 && !lsub)
        {
            // RFC 9051 section 6.3.9: an empty pattern asks for the delimiter and root.
            _w.Ascii("* LIST (\\Noselect) \"/\" \"\"").Crlf();
            return "LIST completed";
        }

        var folders = await _services.Folders.ListFoldersAsync(TenantId, MailboxId, _connection.ConnectionClosed);
        var bySubscription = lsub || command.SelectSubscribed;
        var orphans = bySubscription || command.ReturnSubscribed
            ? await _services.Store.ListOrphanSubscriptionsAsync(TenantId, MailboxId, _connection.ConnectionClosed)
            : [];
        var byName = folders.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var subscribedNames = folders.Where(f => f.Subscribed).Select(f => f.Name).Concat(orphans).ToHashSet(StringComparer.Ordinal);

        // Existing folders and the parents their names imply; selecting by subscription also looks
        // at subscribed names that no longer exist, and at their parents (RFC 5258 section 3.5).
        var existing = WithParents(folders.Select(f => f.Name));
        var names = bySubscription ? WithParents(existing.Concat(subscribedNames)) : existing;

        var regexes = command.Patterns.Select(p => PatternRegex(ToPatternName(command.Reference + p))).ToList();
        bool Matches(string n) => regexes.Any(r => r.IsMatch(n));
        var ordered = names.OrderBy(n => n == "INBOX" ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal);
        foreach (var name in ordered)
        {
            if (!Matches(name))
            {
                continue;
            }

            byName.TryGetValue(name, out var folder);
            var hasChildren = existing.Any(n => n.StartsWith(name + "/", StringComparison.Ordinal));
            var subscribed = subscribedNames.Contains(name);
            var subscribedDescendants = subscribedNames.Where(n => n.StartsWith(name + "/", StringComparison.Ordinal)).ToList();
            var childInfo = false;
            var attributes = new List<string>();
            if (lsub)
            {
                // RFC 3501 section 6.3.9: subscribed names, plus a parent where "%" stopped short of a
                // subscribed name below it, as \Noselect. A subscribed name with no folder cannot be
                // selected either.
                if (subscribed)
                {
                    if (folder is null)
                    {
                        attributes.Add(@"\Noselect");
                    }
                }
                else if (subscribedDescendants.Any(d => !Matches(d)))
                {
                    attributes.Add(@"\Noselect");
                }
                else
                {
                    continue;
                }
            }
            else if (command.SelectSubscribed)
            {
                // RFC 5258 section 3.1 and 3.5: subscribed names, existing or not (\NonExistent);
                // with RECURSIVEMATCH also names with a subscribed descendant, marked by CHILDINFO.
                if (!subscribed && !(command.RecursiveMatch && subscribedDescendants.Count > 0))
                {
                    continue;
                }

                childInfo = command.RecursiveMatch && subscribedDescendants.Count > 0;
                if (folder is null)
                {
                    attributes.Add(@"\NonExistent");
                }
            }
            else if (folder is null)
            {
                if (!hasChildren)
                {
                    continue;
                }

                attributes.Add(_rev2 || command.Extended ? @"\NonExistent" : @"\Noselect");
            }

            if (command.SelectSpecialUse && folder?.SpecialUse is null)
            {
                continue;
            }

            if (!lsub)
            {
                attributes.Add(hasChildren ? @"\HasChildren" : @"\HasNoChildren");
            }

            if (subscribed && (command.ReturnSubscribed || command.SelectSubscribed || _rev2) && !lsub)
            {
                attributes.Add(@"\Subscribed");
            }

            if (folder?.SpecialUse is { } use)
            {
                attributes.Add(use);
            }

            _w.Ascii("* ").Ascii(verb).Ascii(" (").Ascii(string.Join(' ', attributes)).Ascii(") \"/\" ");
            WriteMailboxName(name);
            if (childInfo)
            {
                _w.Ascii(" (\"CHILDINFO\" (\"SUBSCRIBED\"))");
            }

            _w.Crlf();
            if (command.ReturnStatus is { } items && folder is not null)
            {
                await WriteStatusAsync(folder, items);
            }
        }

        return verb + " completed";
    }

    /// <summary>The names and every parent they imply ("a/b/c" gives "a" and "a/b").</summary>
    private static SortedSet<string> WithParents(IEnumerable<string> names)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            set.Add(name);
            for (var slash = name.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = name.IndexOf('/', slash + 1))
            {
                set.Add(name[..slash]);
            }
        }

        return set;
    }

    private string ToPatternName(string pattern)
    {
        if (!_utf8 && ModifiedUtf7.TryDecode(pattern, out var decoded))
        {
            pattern = decoded;
        }

        // INBOX is case-insensitive (RFC 9051 section 5.1), also as the start of a pattern.
        if (pattern.Length >= 5 && pattern[..5].Equals("INBOX", StringComparison.OrdinalIgnoreCase) && (pattern.Length == 5 || pattern[5] is '/' or '*' or '%'))
        {
            pattern = "INBOX" + pattern[5..];
        }

        return pattern;
    }

    private static Regex PatternRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        foreach (var c in pattern)
        {
            sb.Append(c switch
            {
                '*' => ".*",
                '%' => "[^/]*",
                _ => Regex.Escape(c.ToString()),
            });
        }

        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));
    }

    private async Task<string?> HandleStatusAsync(StatusCommand command)
    {
        var folder = await GetFolderAsync(command.Mailbox);
        await WriteStatusAsync(folder, command.Items);
        return "STATUS completed";
    }

    private static readonly string[] StatusItems = ["MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "SIZE", "HIGHESTMODSEQ", "RECENT", "APPENDLIMIT", "DELETED"];

    private async Task WriteStatusAsync(Folder folder, IReadOnlyList<string> items)
    {
        // Check first: nothing may be half-written when the command fails.
        if (items.FirstOrDefault(i => !StatusItems.Contains(i)) is { } unknown)
        {
            throw ImapCommandException.Bad("Unknown STATUS item " + unknown);
        }

        // Every value first, then the line: a store failure must not leave half a response.
        var values = new List<(string Item, long Value)>(items.Count);
        foreach (var item in items)
        {
            long value = item switch
            {
                "MESSAGES" => folder.MessageCount,
                "UIDNEXT" => folder.UidNext,
                "UIDVALIDITY" => folder.UidValidity,
                "UNSEEN" => folder.UnseenCount,
                "SIZE" => folder.TotalSize,
                "HIGHESTMODSEQ" => folder.HighestModSeq,
                "RECENT" => await _services.Store.CountRecentAsync(TenantId, MailboxId, folder.FolderId, _connection.ConnectionClosed),
                "APPENDLIMIT" => _options.MaxLiteralSize,
                "DELETED" => await _services.Store.CountDeletedAsync(TenantId, MailboxId, folder.FolderId, _connection.ConnectionClosed),
                _ => throw ImapCommandException.Bad("Unknown STATUS item " + item),
            };
            if (item == "HIGHESTMODSEQ")
            {
                _condStore = true;
            }

            values.Add((item, value));
        }

        _w.Ascii("* STATUS ");
        WriteMailboxName(folder.Name);
        _w.Ascii(" (");
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                _w.Space();
            }

            _w.Ascii(values[i].Item).Space().Number(values[i].Value);
        }

        _w.Ascii(")").Crlf();
    }

    private async Task<string?> HandleQuotaAsync(QuotaCommand command)
    {
        switch (command.Verb)
        {
            case ImapVerb.SetQuota:
                throw ImapCommandException.No("NOPERM", "Quotas are set by the administrator");
            case ImapVerb.GetQuotaRoot:
                await GetFolderAsync(command.Argument);
                _w.Ascii("* QUOTAROOT ");
                WriteMailboxName(ToStorageName(command.Argument));
                _w.Ascii(" \"\"").Crlf();
                break;
            default:
                if (command.Argument.Length != 0)
                {
                    throw ImapCommandException.No("NONEXISTENT", "No such quota root");
                }

                break;
        }

        var quota = await _services.Store.GetQuotaAsync(TenantId, MailboxId, _connection.ConnectionClosed);
        // RFC 9208 section 5.1: STORAGE in units of 1024 octets.
        _w.Ascii("* QUOTA \"\" (STORAGE ").Number((quota.UsedBytes + 1023) / 1024).Space().Number(quota.LimitBytes / 1024).Ascii(")").Crlf();
        return command.Verb == ImapVerb.GetQuota ? "GETQUOTA completed" : "GETQUOTAROOT completed";
    }

    /// <summary>Makes the next synchronisation look at a folder this session changed, if it is the selected one.</summary>
    private void MarkDirty(long folderId)
    {
        if (_selected?.FolderId == folderId)
        {
            _selected.ForceSync();
        }
    }
}
