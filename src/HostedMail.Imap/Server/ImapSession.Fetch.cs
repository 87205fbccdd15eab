using HostedMail.Core.Imap;
using HostedMail.Core.Messages;
using HostedMail.Imap.Protocol;
using HostedMail.Mime;

namespace HostedMail.Imap.Server;

// FETCH (RFC 9051 section 6.4.5), BINARY (RFC 3516), CHANGEDSINCE/VANISHED (RFC 7162), and the
// sequence-set resolution every message command shares.
internal sealed partial class ImapSession
{
    private const int WholeBlobBatch = 16;

    /// <summary>Views recomputed during the current FETCH batch whose cached copies were stale.</summary>
    private readonly List<CachedViews> _staleViews = [];

    /// <summary>Largest header block or message kept in the node's content cache.</summary>
    private const int MaxCachedContent = 1 << 20;
    private static readonly ImapSection HeaderSection = ParseSection("HEADER");
    private static readonly ImapSection TextSection = ParseSection("TEXT");

    private static ImapSection ParseSection(string text)
    {
        return ImapSection.TryParse(text, out var section) ? section : throw new InvalidOperationException("bad built-in section " + text);
    }

    /// <summary>
    /// The messages a set names, as (sequence number, UID) in ascending order, without duplicates.
    /// Sequence numbers beyond EXISTS are BAD for commands that act on messages (FETCH, STORE,
    /// COPY...: RFC 9051 section 9 seq-number, as Dovecot answers), but in SEARCH a set is a
    /// criterion like any other and numbers that name no message match nothing
    /// (<paramref name="lenient"/>; RFC 9051 section 6.4.4). UIDs never fail: UIDs not in use
    /// are skipped (RFC 9051 section 6.4.9).
    /// </summary>
    private async Task<List<(int Seq, uint Uid)>> ResolveAsync(SequenceSet set, bool uid, bool lenient = false)
    {
        var selected = Selected;
        await EnsureMapAsync(selected);
        var result = new SortedDictionary<int, uint>();
        if (set.IsSaved)
        {
            // RFC 5182 section 2.1: "$" is the saved result, as UIDs, minus expunged messages.
            foreach (var u in _savedSearch)
            {
                var seq = selected.SequenceOf((uint)u);
                if (seq > 0)
                {
                    result[seq] = (uint)u;
                }
            }
        }
        else if (uid)
        {
            foreach (var (low, high) in set.Resolve(selected.MaxUid))
            {
                var i = selected.Uids.BinarySearch((uint)Math.Min(low, uint.MaxValue));
                for (i = i < 0 ? ~i : i; i < selected.Uids.Count && selected.Uids[i] <= high; i++)
                {
                    result[i + 1] = selected.Uids[i];
                }
            }
        }
        else if (selected.Count > 0)
        {
            foreach (var (low, high) in set.Resolve(selected.Count))
            {
                if (high > selected.Count && !lenient)
                {
                    throw ImapCommandException.Bad("Invalid message sequence number");
                }

                for (var seq = (int)low; seq <= Math.Min(high, selected.Count); seq++)
                {
                    result[seq] = selected.UidAt(seq);
                }
            }
        }

        return result.Select(kv => (kv.Key, kv.Value)).ToList();
    }

    private async Task<string?> HandleFetchAsync(FetchCommand command)
    {
        var selected = Selected;
        var items = command.Items.ToList();
        if (command.Uid && !items.Any(i => i.Kind == FetchKind.Uid))
        {
            items.Insert(0, new FetchItem(FetchKind.Uid));
        }

        if (command.ChangedSince is not null && !items.Any(i => i.Kind == FetchKind.ModSeq))
        {
            items.Add(new FetchItem(FetchKind.ModSeq));
        }

        if (items.Any(i => i.Kind == FetchKind.ModSeq))
        {
            _condStore = true;
        }

        if (command.Vanished && (!command.Uid || !_qresync))
        {
            throw ImapCommandException.Bad("VANISHED needs UID FETCH and QRESYNC enabled");
        }

        // Catch up first with what other sessions changed (a no-op unless the feed announced
        // something), so cached flags are never older than a change already confirmed on this
        // node. Expunges stay pending: none may be sent during FETCH (RFC 9051 section 7.5.1).
        await SendUpdatesAsync(allowExpunge: false);
        var targets = await ResolveAsync(command.Set, command.Uid);
        if (command.Vanished)
        {
            var vanished = await _services.Store.ListVanishedAsync(TenantId, MailboxId, selected.FolderId, command.ChangedSince!.Value, _connection.ConnectionClosed);
            // The session's map was brought up to date above: what it lacks below KnownUidNext is gone.
            WriteVanishedEarlier(selected, vanished.Uids, vanished.Complete, command.Set.IsSaved ? [] : [.. command.Set.Resolve(selected.MaxUid)], selected.KnownUidNext);
        }

        var extras = items.Any(i => i.Kind is FetchKind.Envelope or FetchKind.BodyStructure) ? FetchExtras.CachedViews : FetchExtras.None;
        // The bytes come with the metadata, one query per batch: header fetches (what clients list
        // folders with) read only the header prefix; other fetches read whole blobs of small
        // messages, in short batches to bound the memory held.
        var needBlob = items.Any(NeedsBlob);
        var headerOnly = needBlob && items.Where(NeedsBlob).All(NeedsOnlyHeader);
        extras |= !needBlob ? FetchExtras.None : headerOnly ? FetchExtras.Header : FetchExtras.Blob;
        var batchSize = needBlob && !headerOnly ? WholeBlobBatch : _options.FetchBatchSize;

        var setsSeen = !selected.ReadOnly && items.Any(i => (i.Kind is FetchKind.Section or FetchKind.Binary && !i.Peek) || i.Kind is FetchKind.Rfc822 or FetchKind.Rfc822Text);
        foreach (var batch in targets.Chunk(batchSize))
        {
            IReadOnlyList<ImapMessage>? messages = FromCache(selected, batch, extras, headerOnly);
            if (messages is null && await PrefillCacheAsync(selected, batch.Length))
            {
                messages = FromCache(selected, batch, extras, headerOnly);
            }

            if (messages is null)
            {
                messages = await _services.Store.FetchAsync(TenantId, MailboxId, selected.FolderId, batch.Select(t => (long)t.Uid).ToList(), extras, _connection.ConnectionClosed);
                foreach (var message in messages)
                {
                    selected.Cache(message, _options.SessionCacheMessages);
                    if (message.Content is { } content && content.Length <= MaxCachedContent)
                    {
                        _services.Content.Add(TenantId, message.BlobSha256, headerOnly, content);
                    }
                }
            }

            if (command.ChangedSince is { } since)
            {
                messages = messages.Where(m => m.ModSeq > since).ToList();
            }

            var seenNow = new Dictionary<long, StoredFlags>();
            if (setsSeen)
            {
                var unseen = messages.Where(m => (m.Flags & MessageFlags.Seen) == 0).Select(m => m.Uid).ToList();
                if (unseen.Count > 0)
                {
                    var stored = await _services.Store.StoreFlagsAsync(TenantId, MailboxId, selected.FolderId, new FlagStoreRequest(unseen, FlagStoreMode.Add, MessageFlags.Seen, [], null), _connection.ConnectionClosed);
                    foreach (var s in stored.Messages.Where(s => s.Changed))
                    {
                        seenNow[s.Uid] = s;
                    }

                    RecordOwnFlagChanges(selected, stored);
                }
            }

            if (items.Any(i => i.Kind == FetchKind.Flags) || seenNow.Count > 0)
            {
                AnnounceKeywords(messages.Select(m => m.Keywords));
            }

            foreach (var message in messages)
            {
                var seq = selected.SequenceOf((uint)message.Uid);
                if (seq == 0)
                {
                    continue;
                }

                var current = seenNow.TryGetValue(message.Uid, out var s) ? message with { Flags = s.Flags, Keywords = s.Keywords, ModSeq = s.ModSeq } : message;
                var blob = !needBlob ? null : message.Content ?? await ReadBlobAsync(message);
                if (NeedsViewsFromBlob(items, current))
                {
                    // ENVELOPE/BODYSTRUCTURE computed here need the whole message, not the header block
                    // a header-only fetch brought (or nothing).
                    blob = !needBlob || headerOnly || blob is null ? await ReadBlobAsync(message) : blob;
                    current = RefreshViews(current, blob);
                }

                WriteFetch(seq, current, items, blob, seenNow.ContainsKey(message.Uid));
                await FlushIfLargeAsync();
            }

            if (_staleViews.Count > 0)
            {
                await _services.Store.SaveCachedViewsAsync(TenantId, _staleViews, _connection.ConnectionClosed);
                _staleViews.Clear();
            }
        }

        return command.Uid ? "UID FETCH completed" : "FETCH completed";
    }

    /// <summary>
    /// The batch from the session's metadata cache and the node's content cache, or null when
    /// anything is missing (then one store query reads the batch). Cached views are not kept.
    /// </summary>
    private List<ImapMessage>? FromCache(SelectedFolder selected, (int Seq, uint Uid)[] batch, FetchExtras extras, bool headerOnly)
    {
        if (extras.HasFlag(FetchExtras.CachedViews))
        {
            return null;
        }

        var needContent = extras.HasFlag(FetchExtras.Header) || extras.HasFlag(FetchExtras.Blob);
        var list = new List<ImapMessage>(batch.Length);
        foreach (var (_, uid) in batch)
        {
            if (!selected.TryGetCached(uid, out var message))
            {
                return null;
            }

            if (needContent && (headerOnly || message.Size <= MaxCachedContent))
            {
                if (!_services.Content.TryGet(TenantId, message.BlobSha256, headerOnly, out var content))
                {
                    return null;
                }

                message = message with { Content = content };
            }

            list.Add(message);
        }

        return list;
    }

    /// <summary>
    /// A session that keeps missing the cache (a client reading the folder) loads the metadata of
    /// the whole folder once, when it fits the cache (like loading a folder index); content then
    /// comes from the node's cache, filled by every session. True when it loaded.
    /// </summary>
    private async Task<bool> PrefillCacheAsync(SelectedFolder selected, int batchLength)
    {
        const int MissesBeforePrefill = 3;
        if (++selected.CacheMisses != MissesBeforePrefill || selected.Count <= batchLength || selected.Count > _options.SessionCacheMessages)
        {
            return false;
        }

        await CacheMetadataAsync(selected, selected.Uids.Select(u => (long)u));
        return true;
    }

    /// <summary>Reads the metadata of these messages, a batch per query, into the session's cache; returns what was read.</summary>
    private async Task<List<ImapMessage>> CacheMetadataAsync(SelectedFolder selected, IEnumerable<long> uids)
    {
        var loaded = new List<ImapMessage>();
        foreach (var chunk in uids.Chunk(_options.FetchBatchSize))
        {
            var messages = await _services.Store.FetchAsync(TenantId, MailboxId, selected.FolderId, chunk, FetchExtras.None, _connection.ConnectionClosed);
            foreach (var message in messages)
            {
                selected.Cache(message, _options.SessionCacheMessages);
            }

            loaded.AddRange(messages);
        }

        return loaded;
    }

    /// <summary>A whole blob the metadata query did not bring (a large message); cached when small enough.</summary>
    private async Task<byte[]> ReadBlobAsync(ImapMessage message)
    {
        var blob = await _services.Folders.ReadBlobAsync(TenantId, message.BlobSha256, _connection.ConnectionClosed) ?? [];
        if (blob.Length <= MaxCachedContent)
        {
            _services.Content.Add(TenantId, message.BlobSha256, header: false, blob);
        }

        return blob;
    }

    /// <summary>
    /// Whether ENVELOPE or BODYSTRUCTURE must be computed from the message: the blob has no cached
    /// value of the current version (a message stored before, see <see cref="ImapBodyStructure.Version"/>),
    /// or this session enabled IMAP4rev2 and the message's BODYSTRUCTURE differs from the cached
    /// IMAP4rev1 form (message/global parts, charset-encoded parameters, non-ASCII strings).
    /// </summary>
    private bool NeedsViewsFromBlob(List<FetchItem> items, ImapMessage message) =>
        (items.Any(i => i.Kind == FetchKind.Envelope) && message.Envelope is null)
        || (items.Any(i => i.Kind == FetchKind.BodyStructure) && (message.BodyStructure is null || NeedsRev2Structure(message.BodyStructure)));

    private bool NeedsRev2Structure(byte[] imap4rev1Structure) => _rev2 && !ImapBodyStructure.SameForImap4rev2(imap4rev1Structure);

    /// <summary>The views computed from the blob; stale cached ones are written back for the next reader.</summary>
    private ImapMessage RefreshViews(ImapMessage message, byte[] blob)
    {
        var parsed = MimeMessage.Parse(blob);
        if (message.Envelope is null || message.BodyStructure is null)
        {
            var envelope = parsed.GetImapEnvelope();
            var structure = parsed.GetImapBodyStructure();
            _staleViews.Add(new CachedViews(message.BlobSha256, envelope, structure, ImapBodyStructure.Version));
            message = message with { Envelope = envelope, BodyStructure = structure };
        }

        return NeedsRev2Structure(message.BodyStructure!) ? message with { BodyStructure = parsed.GetImapBodyStructure(utf8Quoted: _utf8, imap4rev2: true) } : message;
    }

    private static bool NeedsBlob(FetchItem item) =>
        item.Kind is FetchKind.Section or FetchKind.Binary or FetchKind.BinarySize or FetchKind.Rfc822 or FetchKind.Rfc822Header or FetchKind.Rfc822Text or FetchKind.Body;

    /// <summary>Whether the item reads nothing of the blob beyond the top-level header block.</summary>
    private static bool NeedsOnlyHeader(FetchItem item) =>
        item.Kind == FetchKind.Rfc822Header
        || (item.Kind == FetchKind.Section && item.Section!.Part.Count == 0
            && item.Section.Kind is ImapSectionKind.Header or ImapSectionKind.HeaderFields or ImapSectionKind.HeaderFieldsNot);

    private void WriteFetch(int seq, ImapMessage message, List<FetchItem> items, byte[]? blob, bool flagsChanged)
    {
        MimeMessage? parsed = null;
        MimeMessage Parsed() => parsed ??= MimeMessage.Parse(blob ?? []);
        // RFC 3516 section 4.3: [UNKNOWN-CTE] fails the command; find out before writing anything.
        foreach (var item in items.Where(i => i.Kind is FetchKind.Binary or FetchKind.BinarySize))
        {
            if (ImapFetch.Binary(Parsed(), item.Section! with { PartialStart = null, PartialLength = null }, out _) == BinaryFetchStatus.UnknownEncoding)
            {
                throw ImapCommandException.No("UNKNOWN-CTE", "Cannot decode this part's content transfer encoding");
            }
        }

        _w.Ascii("* ").Number(seq).Ascii(" FETCH (");
        var first = true;
        void Next()
        {
            if (!first)
            {
                _w.Space();
            }

            first = false;
        }

        foreach (var item in items)
        {
            Next();
            switch (item.Kind)
            {
                case FetchKind.Uid:
                    _w.Ascii("UID ").Number(message.Uid);
                    break;
                case FetchKind.Flags:
                    _w.Ascii("FLAGS ");
                    WriteFlags(message.Flags, message.Keywords, _selected?.IsRecent(message.Uid) == true);
                    break;
                case FetchKind.InternalDate:
                    _w.Ascii("INTERNALDATE \"").Ascii(ImapDates.Format(message.InternalDate)).Ascii("\"");
                    break;
                case FetchKind.Rfc822Size:
                    _w.Ascii("RFC822.SIZE ").Number(message.Size);
                    break;
                case FetchKind.ModSeq:
                    _w.Ascii("MODSEQ (").Number(message.ModSeq).Ascii(")");
                    break;
                case FetchKind.Envelope:
                    _w.Ascii("ENVELOPE ").Raw(message.Envelope ?? Parsed().GetImapEnvelope());
                    break;
                case FetchKind.BodyStructure:
                    _w.Ascii("BODYSTRUCTURE ").Raw(message.BodyStructure ?? Parsed().GetImapBodyStructure());
                    break;
                case FetchKind.Body:
                    _w.Ascii("BODY ").Raw(Parsed().GetImapBodyStructure(extensible: false, utf8Quoted: _utf8, imap4rev2: _rev2));
                    break;
                case FetchKind.Rfc822:
                    _w.Ascii("RFC822 ").Literal(blob);
                    break;
                case FetchKind.Rfc822Header:
                    _w.Ascii("RFC822.HEADER ");
                    WriteSectionData(ImapFetch.Section(Parsed(), HeaderSection));
                    break;
                case FetchKind.Rfc822Text:
                    _w.Ascii("RFC822.TEXT ");
                    WriteSectionData(ImapFetch.Section(Parsed(), TextSection));
                    break;
                case FetchKind.Section:
                    var section = item.Section!;
                    _w.Ascii("BODY[").Ascii(section.ToString()).Ascii("]");
                    if (section.PartialStart is { } start)
                    {
                        _w.Ascii("<").Number(start).Ascii(">");
                    }

                    _w.Space();
                    var whole = section.Part.Count == 0 && section.Kind == ImapSectionKind.Full && section.PartialStart is null;
                    WriteSectionData(whole ? blob : ImapFetch.Section(Parsed(), section));
                    break;
                case FetchKind.Binary:
                case FetchKind.BinarySize:
                    WriteBinary(item, Parsed());
                    break;
            }
        }

        if (flagsChanged && !items.Any(i => i.Kind == FetchKind.Flags))
        {
            // RFC 9051 section 6.4.5: an implicit \Seen is reported with the data.
            Next();
            _w.Ascii("FLAGS ");
            WriteFlags(message.Flags, message.Keywords, _selected?.IsRecent(message.Uid) == true);
        }

        _w.Ascii(")").Crlf();
    }

    private void WriteSectionData(ReadOnlyMemory<byte>? data)
    {
        if (data is null)
        {
            _w.Ascii("NIL");
            return;
        }

        _w.Literal(data.Value.Span);
    }

    private void WriteBinary(FetchItem item, MimeMessage message)
    {
        var section = item.Section!;
        var full = section with { PartialStart = null, PartialLength = null };
        var status = ImapFetch.Binary(message, item.Kind == FetchKind.BinarySize ? full : section, out var bytes);
        if (status == BinaryFetchStatus.UnknownEncoding)
        {
            throw ImapCommandException.No("UNKNOWN-CTE", "Cannot decode this part's content transfer encoding");
        }

        var parts = string.Join('.', section.Part);
        if (item.Kind == FetchKind.BinarySize)
        {
            _w.Ascii("BINARY.SIZE[").Ascii(parts).Ascii("] ").Number(status == BinaryFetchStatus.Ok ? bytes.Length : 0);
            return;
        }

        _w.Ascii("BINARY[").Ascii(parts).Ascii("]");
        if (section.PartialStart is { } start)
        {
            _w.Ascii("<").Number(start).Ascii(">");
        }

        _w.Space();
        if (status != BinaryFetchStatus.Ok)
        {
            _w.Ascii("NIL");
            return;
        }

        // RFC 3516 section 4.2: literal8 when the decoded data holds NUL.
        _w.Literal(bytes.Span, binary: bytes.Span.Contains((byte)0));
    }
}
