using HostedMail.Core;
using HostedMail.Core.Imap;
using HostedMail.Core.Messages;
using HostedMail.Imap.Protocol;

namespace HostedMail.Imap.Server;

// STORE (RFC 9051 section 6.4.6, RFC 7162 UNCHANGEDSINCE), COPY/MOVE (RFC 6851, RFC 4315
// COPYUID), EXPUNGE and UID EXPUNGE, APPEND (RFC 3502 MULTIAPPEND, RFC 4315 APPENDUID).
internal sealed partial class ImapSession
{
    private async Task<string?> HandleStoreAsync(StoreCommand command)
    {
        var selected = Selected;
        if (selected.ReadOnly)
        {
            throw ImapCommandException.No("READ-ONLY", "Mailbox is read-only");
        }

        if (command.UnchangedSince is not null)
        {
            _condStore = true;
        }

        var targets = await ResolveAsync(command.Set, command.Uid);
        if (targets.Count == 0)
        {
            return command.Uid ? "UID STORE completed" : "STORE completed";
        }

        var result = await _services.Store.StoreFlagsAsync(TenantId, MailboxId, selected.FolderId,
            new FlagStoreRequest(targets.Select(t => (long)t.Uid).ToList(), command.Mode, command.Flags, command.Keywords, command.UnchangedSince), _connection.ConnectionClosed);
        RecordOwnFlagChanges(selected, result);
        AnnounceKeywords(result.Messages.Select(m => m.Keywords));
        foreach (var message in result.Messages)
        {
            var uid = (uint)message.Uid;

            // RFC 7162 section 3.1.3: with UNCHANGEDSINCE, changed messages are reported even when .SILENT.
            if (command.Silent && !(message.Changed && command.UnchangedSince is not null))
            {
                continue;
            }

            var seq = selected.SequenceOf(uid);
            _w.Ascii("* ").Number(seq).Ascii(" FETCH (");
            if (command.Uid || _condStore)
            {
                _w.Ascii("UID ").Number(uid).Space();
            }

            if (!command.Silent)
            {
                _w.Ascii("FLAGS ");
                WriteFlags(message.Flags, message.Keywords, selected.IsRecent(message.Uid));
            }

            if (_condStore)
            {
                _w.Ascii(command.Silent ? "MODSEQ (" : " MODSEQ (").Number(message.ModSeq).Ascii(")");
            }

            _w.Ascii(")").Crlf();
        }

        if (result.Modified.Count > 0)
        {
            var numbers = command.Uid ? result.Modified : result.Modified.Select(u => (long)selected.SequenceOf((uint)u)).Order().ToList();
            return "[MODIFIED " + SequenceSet.Format(numbers) + "] Conditional STORE failed";
        }

        return command.Uid ? "UID STORE completed" : "STORE completed";
    }

    private async Task<string?> HandleCopyAsync(CopyCommand command)
    {
        var selected = Selected;
        var move = command.Verb == ImapVerb.Move;
        if (move && selected.ReadOnly)
        {
            throw ImapCommandException.No("READ-ONLY", "Mailbox is read-only");
        }

        var target = await GetFolderAsync(command.Mailbox, "TRYCREATE");
        var targets = await ResolveAsync(command.Set, command.Uid);
        var verb = (command.Uid ? "UID " : string.Empty) + (move ? "MOVE" : "COPY");
        if (targets.Count == 0)
        {
            return verb + " completed";
        }

        var result = await _services.Store.CopyAsync(TenantId, MailboxId, selected.FolderId, targets.Select(t => (long)t.Uid).ToList(), target.FolderId, move, _connection.ConnectionClosed);
        MarkDirty(target.FolderId);
        if (result.SourceUids.Count == 0)
        {
            return verb + " completed";
        }

        var copyUid = "[COPYUID " + result.UidValidity + " " + SequenceSet.Format(result.SourceUids) + " " + SequenceSet.Format(result.TargetUids) + "]";
        if (!move)
        {
            return copyUid + " " + verb + " completed";
        }

        // RFC 6851 section 4.3: COPYUID in an untagged OK, then the expunges, then the tagged OK.
        _w.Ascii("* OK ").Ascii(copyUid).Ascii(" Moved").Crlf();
        RecordOwnExpunges(selected, result.Expunged);

        return verb + " completed";
    }

    private async Task<string?> HandleExpungeAsync(ExpungeCommand command)
    {
        var selected = Selected;
        if (selected.ReadOnly)
        {
            throw ImapCommandException.No("READ-ONLY", "Mailbox is read-only");
        }

        List<long>? uids = null;
        if (command.UidSet is { } set)
        {
            uids = (await ResolveAsync(set, uid: true)).Select(t => (long)t.Uid).ToList();
            if (uids.Count == 0)
            {
                return "UID EXPUNGE completed";
            }
        }

        var expunged = await _services.Store.ExpungeDeletedAsync(TenantId, MailboxId, selected.FolderId, uids, _connection.ConnectionClosed);
        RecordOwnExpunges(selected, expunged);

        var done = uids is null ? "EXPUNGE completed" : "UID EXPUNGE completed";
        // RFC 7162 sections 3.2.7 and 3.2.9: with QRESYNC enabled, when at least one message was
        // expunged, the tagged OK MUST carry the folder's new mod-sequence (that of this expunge).
        return _qresync && expunged.Count > 0 ? $"[HIGHESTMODSEQ {expunged.Max(e => e.ModSeq)}] {done}" : done;
    }

    // This session's own changes: the selected folder's state follows them without asking the store
    // when nothing else changed it meanwhile (SelectedFolder.Advance); otherwise the next
    // synchronisation reads the changes, and OwnReports keeps it from repeating the session's own.
    private static void RecordOwnFlagChanges(SelectedFolder selected, FlagStoreResult result)
    {
        var modSeq = 0L;
        foreach (var message in result.Messages)
        {
            selected.UpdateCached(message.Uid, message.Flags, message.Keywords, message.ModSeq);
            if (message.Changed)
            {
                selected.OwnReports[(uint)message.Uid] = message.ModSeq;
                modSeq = message.ModSeq;
            }
        }

        if (modSeq > 0)
        {
            selected.Advance(modSeq);
        }
    }

    private static void RecordOwnExpunges(SelectedFolder selected, IReadOnlyList<ExpungedMessage> expunged)
    {
        foreach (var e in expunged)
        {
            selected.Uncache(e.Uid);
            if (selected.SequenceOf((uint)e.Uid) > 0)
            {
                selected.PendingExpunges.Add((uint)e.Uid);
            }
        }

        if (expunged.Count > 0)
        {
            selected.Advance(expunged[0].ModSeq);
        }
    }

    private async Task RecordOwnAppendAsync(long folderId, AppendResult result)
    {
        if (_selected is not { } selected || selected.FolderId != folderId)
        {
            return;
        }

        // RFC 9051 section 6.3.12: appending to the selected mailbox reports EXISTS right away.
        await EnsureMapAsync(selected);
        if (result.RecentFrom is { } recentFrom && recentFrom <= result.Uid)
        {
            // The append claimed the boundary (RFC 3501 section 2.3.2): these UIDs are this
            // session's, taken with the EXISTS that reports them (and its RECENT).
            selected.ClaimedByAppend.Add((recentFrom, result.Uid + 1));
        }

        if (result.Uid == selected.KnownUidNext && result.Uid > selected.MaxUid && selected.Advance(result.ModSeq))
        {
            selected.AddAppended((uint)result.Uid);
        }
        else
        {
            selected.ForceSync();
        }
    }

    /// <summary>
    /// An IMAP4rev1 session appending to the folder it has selected read-write is the first told of
    /// the message (the EXISTS follows the APPEND), so the message is \Recent for it.
    /// </summary>
    private bool ClaimsRecentOnAppend(long folderId) => !_rev2 && _selected is { ReadOnly: false } selected && selected.FolderId == folderId;

    private async Task<string?> HandleAppendAsync(AppendCommand command)
    {
        // Clients append to the same few folders (Sent, Drafts, INBOX) again and again: the folder
        // found last time is tried first, the store checking that it still has that name.
        var name = ToStorageName(command.Mailbox);
        var remembered = _appendFolder?.Name == name;
        var folder = remembered ? _appendFolder! : await GetFolderAsync(command.Mailbox, "TRYCREATE");
        var uids = new List<long>();
        long uidValidity = 0;
        foreach (var message in command.Messages)
        {
            if (message.Data.Length == 0)
            {
                throw ImapCommandException.No("CANNOT", "Empty message");
            }

            if (message.Data.Length > _options.MaxLiteralSize)
            {
                throw ImapCommandException.No("TOOBIG", "Message too large");
            }

            // The literal lives in the command buffer, which the next command reuses: copy it.
            var data = MessageParsing.Prepare(message.Data.ToArray());
            Task<AppendResult> Append() => _services.Store.AppendAsync(TenantId, MailboxId, folder.FolderId, remembered ? folder.Name : null, data, message.Flags, message.Keywords,
                message.InternalDate ?? _time.GetUtcNow(), ClaimsRecentOnAppend(folder.FolderId), _connection.ConnectionClosed);
            AppendResult result;
            try
            {
                result = await Append();
            }
            catch (HostedMailException ex) when (ex.Error == HostedMailError.NotFound && remembered)
            {
                // Renamed or deleted since: look the name up again (TRYCREATE when it is gone).
                _appendFolder = null;
                remembered = false;
                folder = await GetFolderAsync(command.Mailbox, "TRYCREATE");
                result = await Append();
            }

            _appendFolder = folder;
            uids.Add(result.Uid);
            uidValidity = result.UidValidity;
            await RecordOwnAppendAsync(folder.FolderId, result);
        }

        return "[APPENDUID " + uidValidity + " " + SequenceSet.Format(uids) + "] APPEND completed";
    }
}
