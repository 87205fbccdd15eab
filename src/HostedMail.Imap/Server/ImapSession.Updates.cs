using System.Buffers;
using HostedMail.Imap.Protocol;

namespace HostedMail.Imap.Server;

// Untagged updates for the selected folder (RFC 9051 section 7.5.1, RFC 7162 section 3.2.10) and IDLE (RFC 2177).
internal sealed partial class ImapSession
{
    /// <summary>
    /// Reports what changed in the selected folder since the session last looked: FETCH for flag
    /// changes, EXPUNGE (or VANISHED) when <paramref name="allowExpunge"/>, then EXISTS.
    /// </summary>
    private async Task SendUpdatesAsync(bool allowExpunge)
    {
        var selected = _selected;
        if (selected is null)
        {
            return;
        }

        var added = selected.TakeAppended();
        if (_time.GetElapsedTime(selected.AskedAt) >= _options.IdlePollInterval)
        {
            // The fallback for a lost change notification (its mailbox's grain moved), for clients
            // that poll with NOOP or other commands instead of IDLE: at most one query per interval.
            selected.ForceSync();
        }

        if (selected.TakeDirty())
        {
            selected.AskedAt = _time.GetTimestamp();
            await EnsureMapAsync(selected);
            var changes = await _services.Shared.GetChangesAsync(TenantId, MailboxId, selected.FolderId, selected.KnownModSeq, _connection.ConnectionClosed)
                ?? throw new ImapSessionEndException("[NONEXISTENT] The selected mailbox was deleted");
            var vanished = changes.Vanished;
            if (!changes.VanishedComplete)
            {
                // The folder no longer remembers every expunge since this session last looked (a
                // session looks within IdlePollInterval and the history is at least a day, so only a
                // test prunes that fast): what the map holds and the folder's UIDs now lack has gone.
                var now = await _services.Shared.ListUidsAsync(TenantId, MailboxId, selected.FolderId, changes.UidNext, changes.HighestModSeq, _connection.ConnectionClosed);
                vanished = [.. selected.Uids.Where(uid => Array.BinarySearch(now.Uids, uid) < 0).Select(uid => (long)uid)];
            }

            foreach (var uid in vanished)
            {
                selected.Uncache(uid);
                if (uid <= uint.MaxValue && selected.SequenceOf((uint)uid) > 0)
                {
                    selected.PendingExpunges.Add((uint)uid);
                }
            }

            // Before any FETCH that could show them, and also for keywords only new messages carry.
            AnnounceKeywords(changes.Changed.Select(c => c.Keywords));
            foreach (var change in changes.Changed)
            {
                selected.UpdateCached(change.Uid, change.Flags, change.Keywords, change.ModSeq);
                var uid = (uint)change.Uid;
                if (change.Uid >= selected.KnownUidNext && uid > selected.MaxUid)
                {
                    selected.Uids.Add(uid);
                    added++;
                    continue;
                }

                var seq = selected.SequenceOf(uid);
                if (seq == 0 || selected.PendingExpunges.Contains(uid)
                    || (selected.OwnReports.TryGetValue(uid, out var reported) && reported >= change.ModSeq))
                {
                    continue;
                }

                _w.Ascii("* ").Number(seq).Ascii(" FETCH (UID ").Number(uid).Ascii(" FLAGS ");
                WriteFlags(change.Flags, change.Keywords, selected.IsRecent(uid));
                if (_condStore)
                {
                    _w.Ascii(" MODSEQ (").Number(change.ModSeq).Ascii(")");
                }

                _w.Ascii(")").Crlf();
            }

            selected.OwnReports.Clear();
            selected.KnownModSeq = Math.Max(selected.KnownModSeq, changes.HighestModSeq);
            selected.KnownUidNext = Math.Max(selected.KnownUidNext, changes.UidNext);
            selected.RecheckAnnounced();
        }

        if (allowExpunge && selected.PendingExpunges.Count > 0)
        {
            if (_qresync)
            {
                _w.Ascii("* VANISHED ").Ascii(SequenceSet.Format(selected.PendingExpunges.Select(u => (long)u))).Crlf();
                foreach (var uid in selected.PendingExpunges)
                {
                    selected.Uids.RemoveAt(selected.SequenceOf(uid) - 1);
                }
            }
            else
            {
                // Highest first, so each number is still right when the client reads it.
                foreach (var uid in selected.PendingExpunges.Reverse())
                {
                    var seq = selected.SequenceOf(uid);
                    _w.Ascii("* ").Number(seq).Ascii(" EXPUNGE").Crlf();
                    selected.Uids.RemoveAt(seq - 1);
                }
            }

            selected.PendingExpunges.Clear();
        }

        if (added > 0)
        {
            var recentBefore = _rev2 ? 0 : selected.RecentCount;
            if (!_rev2)
            {
                // RFC 3501 section 2.3.2: the first session told of a new message has it as \Recent.
                foreach (var (from, to) in selected.ClaimedByAppend)
                {
                    selected.Recent.Add(from, to);
                }

                selected.ClaimedByAppend.Clear();
                var recent = await _services.Store.ClaimRecentAsync(TenantId, MailboxId, selected.FolderId, selected.KnownUidNext, claim: !selected.ReadOnly, _connection.ConnectionClosed);
                if (recent is { } r && r.ToUid > r.FromUid)
                {
                    selected.Recent.Add(r.FromUid, r.ToUid);
                }
            }

            _w.Ascii("* ").Number(selected.Count).Ascii(" EXISTS").Crlf();
            if (!_rev2)
            {
                // RFC 3501 section 7.3.2: RECENT follows EXISTS when the number changes.
                var recentNow = selected.RecentCount;
                if (recentNow != recentBefore)
                {
                    _w.Ascii("* ").Number(recentNow).Ascii(" RECENT").Crlf();
                }
            }
        }
    }

    private async Task<string?> HandleIdleAsync(ImapCommand command)
    {
        // An idling session may wait for hours: it keeps no message cache meanwhile.
        _selected?.ClearCache();
        _w.Ascii("+ idling").Crlf();
        // From here the client is idling (its DONE may be on the way): a failure ends the session.
        _stateUnknown = true;
        await FlushAsync();
        using var timeout = new CancellationTokenSource(_options.IdleTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _connection.CloseRequested);
        var read = _input.ReadAsync(linked.Token).AsTask();
        using var pollStop = CancellationTokenSource.CreateLinkedTokenSource(linked.Token);
        Task? poll = null;
        try
        {
            while (true)
            {
                await SendUpdatesAsync(allowExpunge: true);
                await FlushAsync();
                var changed = _selected?.WaitForChangeAsync() ?? Task.Delay(Timeout.Infinite, linked.Token);
                // The fallback when a notification was lost (its mailbox's grain moved): ask the store now and then.
                poll ??= Task.Delay(_options.IdlePollInterval, _time, pollStop.Token);
                var first = await Task.WhenAny(read, changed, poll);
                if (first == poll)
                {
                    // Cancelled when the session is ending (timeout, revocation, shutdown): no last
                    // look at the store then; the read, cancelled too, ends the command.
                    var due = poll.IsCompletedSuccessfully;
                    poll = due ? null : Task.Delay(Timeout.Infinite, CancellationToken.None);
                    if (due)
                    {
                        _selected?.Signal(long.MaxValue);
                    }

                    continue;
                }

                if (first != read)
                {
                    continue;
                }

                var result = await read;
                var buffer = result.Buffer;
                var reader = new SequenceReader<byte>(buffer);
                var status = ImapFraming.TryReadLine(ref reader, 1024, out var line);
                if (status == FrameStatus.Incomplete && !result.IsCompleted)
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                    read = _input.ReadAsync(linked.Token).AsTask();
                    continue;
                }

                if (status != FrameStatus.Line)
                {
                    _input.AdvanceTo(buffer.End);
                    throw new ImapSessionEndException(result.IsCompleted ? "Connection closed" : "[TOOBIG] Line too long");
                }

                var done = line.Length == 4 && System.Text.Encoding.ASCII.GetString(line.ToArray()).Equals("DONE", StringComparison.OrdinalIgnoreCase);
                _input.AdvanceTo(reader.Position);
                await SendUpdatesAsync(allowExpunge: true);
                _w.Ascii(command.Tag).Ascii(done ? " OK IDLE terminated" : " BAD Expected DONE").Crlf();
                await FlushAsync();
                return null;
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new ImapSessionEndException("Autologout; idle for too long");
        }
        finally
        {
            // No poll timer outlives the IDLE command.
            await pollStop.CancelAsync();
        }
    }
}
