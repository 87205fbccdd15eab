using HostedMail.Core;
using HostedMail.Core.Imap;
using HostedMail.Core.Messages;
using HostedMail.Mime;
using Npgsql;
using NpgsqlTypes;

namespace HostedMail.Storage.Stores;

/// <summary>The IMAP side of the folder store: folder management, flags with MODSEQ, COPY/MOVE, APPEND, change queries, SEARCH, quota.</summary>
// Implementation notes:
// - Every mutation runs in a transaction that first locks the folder row(s) (FOR UPDATE, in
//   folder_id order), then reads the messages: statements after the lock see every earlier
//   commit, so concurrent STOREs cannot lose each other's changes, and MODSEQ, UIDNEXT and the
//   counters change with the messages.
// - MODSEQ comes from the locked folder row, so MODSEQs of a folder commit in order: a session
//   that has seen MODSEQ n has seen every change up to n (the change query relies on it).
// - After each mutation commits, IFolderChangeNotifier is told (folder, MODSEQ): this node's own
//   sessions at once, before the change is confirmed, so they never serve cached flags older than
//   a change another session here has already confirmed; other nodes through the mailbox's grain.
// - Blob rows are locked after folder rows here but before them at delivery; the rare deadlock
//   this allows is retried (PostgresException.IsTransient).
internal sealed partial class PostgresImapStore(NpgsqlDataSource dataSource, IFolderStore folders, IFolderChangeNotifier notifier, ImapStoreOptions options) : IImapStore
{
    private const int MaxInlineBlobSize = 256 * 1024;

    // For this transaction only (the batch is one implicit transaction; the setting is read at its commit).
    private const string DeferFlushSql = "SELECT set_config('synchronous_commit', 'off', true)";

    private const string FolderColumns = "tenant_id, folder_id, mailbox_id, name, special_use, subscribed, uid_validity, uid_next, highest_modseq, message_count, unseen_count, total_size";
    // The folder row comes with its expunge horizon: above it the expunged side is complete
    // (migration 0099; the pruner moves it in the transaction that deletes the tombstones, so one
    // statement's snapshot sees the horizon that matches the rows).
    private const string ChangesSql = """
        WITH f AS (SELECT uid_next, highest_modseq, message_count, expunge_horizon FROM folders WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND folder_id = @folder_id)
        SELECT 2 AS kind, uid_next, highest_modseq, message_count, NULL::text[], expunge_horizon FROM f
        UNION ALL
        SELECT 0, m.uid, m.modseq, m.flags, m.keywords, 0 FROM messages m
        WHERE m.tenant_id = @tenant_id AND m.folder_id = @folder_id AND m.modseq > @since AND EXISTS (SELECT 1 FROM f)
        UNION ALL
        SELECT 1, e.uid, e.modseq, 0, NULL, 0 FROM expunged_messages e
        WHERE e.tenant_id = @tenant_id AND e.folder_id = @folder_id AND e.modseq > @since AND EXISTS (SELECT 1 FROM f)
        """;

    // The session's sequence map: UIDs, each with whether the message is there and lacks \Seen
    // (SELECT's [UNSEEN n] comes from this read, not from a second scan of the folder). The messages
    // side reads only the columns of the unique (tenant_id, folder_id, uid) INCLUDE (flags) index: an
    // index-only scan (migration 0098; SchemaRuleTests holds the query to it). UNION ALL: one
    // statement's snapshot holds a UID on one side only, since an expunge deletes and records it in
    // one transaction. The tombstones it needs (expunged after the session's SELECT) are never pruned:
    // the pruner keeps at least a day of them (ExpungeHistoryPruner.MinimumHistory), and a session
    // reads its map within IdlePollInterval of SELECT or is logged out after IdleTimeout.
    internal const string ListUidsSql = """
        WITH f AS (SELECT folder_id FROM folders WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND folder_id = @folder_id)
        SELECT m.uid, m.flags & 1 = 0 FROM messages m JOIN f USING (folder_id) WHERE m.tenant_id = @tenant_id AND m.uid < @uid_next
        UNION ALL
        SELECT e.uid, false FROM expunged_messages e JOIN f USING (folder_id) WHERE e.tenant_id = @tenant_id AND e.uid < @uid_next AND e.modseq > @modseq
        ORDER BY 1
        """;

    // How a later state's UIDs differ from an earlier one's (SharedFolderQueries applies it to the UID
    // list it read for the earlier state): both sides read the (tenant_id, folder_id, modseq) indexes,
    // so the cost follows the changes, not the folder's size. A pruned tombstone would leave its UID
    // in the list: when the folder's expunge horizon is above @since, the first row is -1 instead
    // (ListUidChangesAsync answers null and the caller reads the later state whole).
    internal const string ListUidChangesSql = """
        WITH f AS (SELECT folder_id, expunge_horizon FROM folders WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND folder_id = @folder_id)
        SELECT -1, 0 FROM f WHERE f.expunge_horizon > @since
        UNION ALL
        SELECT m.uid, CASE WHEN m.flags & 1 = 0 THEN 1 ELSE 0 END FROM messages m JOIN f USING (folder_id)
        WHERE m.tenant_id = @tenant_id AND m.modseq > @since AND m.uid < @uid_next
        UNION ALL
        SELECT e.uid, CASE WHEN e.modseq <= @modseq THEN 2 ELSE 3 END FROM expunged_messages e JOIN f USING (folder_id)
        WHERE e.tenant_id = @tenant_id AND e.modseq > @since AND e.uid < @uid_next
        ORDER BY 1
        """;

    private static readonly string StoreFlagsSql = Store(systemFlagsOnly: false);
    private static readonly string StoreSystemFlagsSql = Store(systemFlagsOnly: true);

    // Keywords compare case-insensitively (docs/imap-conformance.md D34): STORE never adds a second
    // spelling of a keyword a message has, removes it in any spelling, and keeps the spelling the
    // message already has. systemFlagsOnly: +FLAGS/-FLAGS of system flags without UNCHANGEDSINCE,
    // the common STORE (a client marking messages read, flagged or deleted): keywords stay as they
    // are, so none of the array work (measured: ~18 % more such transactions per second).
    private static string Store(bool systemFlagsOnly) => $"""
        WITH target AS (
            SELECT m.message_id, m.uid, m.modseq, m.flags AS old_flags, m.keywords AS old_keywords,
                CASE @mode WHEN 0 THEN @flags WHEN 1 THEN m.flags | @flags ELSE m.flags & ~@flags END AS new_flags,
                {(systemFlagsOnly ? "m.keywords" : """
                CASE @mode WHEN 0 THEN ARRAY(SELECT coalesce((SELECT x FROM unnest(m.keywords) x WHERE lower(x) = lower(k) LIMIT 1), k) FROM unnest(@keywords::text[]) k)
                           WHEN 1 THEN m.keywords || ARRAY(SELECT k FROM unnest(@keywords::text[]) k WHERE NOT lower(k) = ANY(SELECT lower(x) FROM unnest(m.keywords) x))
                           ELSE ARRAY(SELECT k FROM unnest(m.keywords) k WHERE NOT lower(k) = ANY(SELECT lower(x) FROM unnest(@keywords::text[]) x)) END
                """)} AS new_keywords,
                {(systemFlagsOnly ? "true" : "(@unchanged_since::bigint IS NULL OR m.modseq <= @unchanged_since)")} AS allowed
            FROM messages m
            WHERE m.tenant_id = @tenant_id AND m.mailbox_id = @mailbox_id AND m.folder_id = @folder_id AND m.uid = ANY(@uids)
        ), t AS (
            SELECT *, (new_flags <> old_flags{(systemFlagsOnly ? string.Empty : " OR NOT (new_keywords @> old_keywords AND old_keywords @> new_keywords)")}) AS changed FROM target
        ), bump AS (
            UPDATE folders SET highest_modseq = highest_modseq + 1,
                unseen_count = unseen_count + (SELECT coalesce(sum((old_flags & 1) - (new_flags & 1)), 0) FROM t WHERE changed AND allowed)
            WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND folder_id = @folder_id AND EXISTS (SELECT 1 FROM t WHERE changed AND allowed)
            RETURNING highest_modseq
        ), upd AS (
            UPDATE messages m SET flags = t.new_flags, keywords = t.new_keywords, modseq = bump.highest_modseq
            FROM t, bump
            WHERE m.tenant_id = @tenant_id AND m.message_id = t.message_id AND t.changed AND t.allowed
            RETURNING m.uid, m.modseq, m.flags, m.keywords
        )
        SELECT uid, modseq, flags, keywords, true, false FROM upd
        UNION ALL
        SELECT uid, modseq, old_flags, old_keywords, false, NOT allowed FROM t WHERE NOT (changed AND allowed)
        ORDER BY 1
        """;

    private const string CopySql = """
        WITH src AS (
            SELECT uid, blob_sha256, size, internal_date, flags, keywords, subject, sent_date, from_address, message_id_hdr,
                   text_indexed, row_number() OVER (ORDER BY uid) AS rn
            FROM messages WHERE tenant_id = @tenant_id AND folder_id = @source AND uid = ANY(@uids)
        ), cnt AS (
            SELECT count(*) AS n, coalesce(sum(size), 0) AS s, count(*) FILTER (WHERE flags & 1 = 0) AS unseen FROM src
        ), d AS (
            UPDATE folders f SET uid_next = f.uid_next + cnt.n, highest_modseq = f.highest_modseq + 1, message_count = f.message_count + cnt.n,
                unseen_count = f.unseen_count + cnt.unseen, total_size = f.total_size + cnt.s
            FROM cnt WHERE f.tenant_id = @tenant_id AND f.mailbox_id = @mailbox_id AND f.folder_id = @target AND cnt.n > 0
            RETURNING f.uid_next - cnt.n AS first_uid, f.highest_modseq AS modseq
        ), ins AS (
            INSERT INTO messages (tenant_id, mailbox_id, folder_id, uid, modseq, blob_sha256, size, internal_date, flags, keywords,
                                  subject, sent_date, from_address, message_id_hdr, text_indexed)
            SELECT @tenant_id, @mailbox_id, @target, d.first_uid + src.rn - 1, d.modseq, src.blob_sha256, src.size, src.internal_date, src.flags, src.keywords,
                   src.subject, src.sent_date, src.from_address, src.message_id_hdr, src.text_indexed
            FROM src, d
        ), refs AS (
            UPDATE blobs b SET ref_count = b.ref_count + g.n
            FROM (SELECT blob_sha256, count(*) AS n FROM src GROUP BY blob_sha256) g, d
            WHERE b.tenant_id = @tenant_id AND b.sha256 = g.blob_sha256
        ), usage AS (
            UPDATE mailboxes mb SET used_bytes = mb.used_bytes + cnt.s FROM cnt, d WHERE mb.tenant_id = @tenant_id AND mb.mailbox_id = @mailbox_id
        )
        SELECT src.uid, d.first_uid + src.rn - 1, d.modseq FROM src, d ORDER BY src.uid
        """;

    private static readonly string AppendSql = Append(byName: false);
    private static readonly string AppendNamedSql = Append(byName: true);
    private const string LockNamedFolderSql = "SELECT highest_modseq FROM folders WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND folder_id = @folder_id AND name = @name FOR UPDATE";

    private static string Append(bool byName) => $"""
        WITH f AS (
            UPDATE folders SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1, message_count = message_count + 1,
                unseen_count = unseen_count + CASE WHEN (@flags & 1) = 0 THEN 1 ELSE 0 END, total_size = total_size + @size,
                recent_uid = CASE WHEN @claim_recent THEN greatest(recent_uid, uid_next + 1) ELSE recent_uid END
            FROM (SELECT recent_uid AS old_recent FROM folders WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND folder_id = @folder_id) old
            WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND folder_id = @folder_id AND {Db.Filter(byName, "name = @name")}
              AND EXISTS (SELECT 1 FROM mailboxes WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND used_bytes + @size <= quota_bytes)
            RETURNING uid_validity, uid_next - 1 AS uid, highest_modseq AS modseq, old.old_recent
        ), m AS (
            UPDATE mailboxes SET used_bytes = used_bytes + @size WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND EXISTS (SELECT 1 FROM f)
        ), b AS (
            INSERT INTO blobs (tenant_id, sha256, size, data, ref_count, header, envelope, body_structure, views_version)
            SELECT @tenant_id, @sha, @size, @data, 1, @header, @envelope, @body_structure, {CachedViewsSql.Version} FROM f
            ON CONFLICT (tenant_id, sha256) DO UPDATE SET ref_count = blobs.ref_count + 1, header = coalesce(blobs.header, EXCLUDED.header),
                {CachedViewsSql.UpsertAssignments}
        ), ins AS (
            INSERT INTO messages (tenant_id, mailbox_id, folder_id, uid, modseq, blob_sha256, size, internal_date, flags, keywords,
                                  subject, sent_date, from_address, message_id_hdr)
            SELECT @tenant_id, @mailbox_id, @folder_id, f.uid, f.modseq, @sha, @size, @internal_date, @flags, @keywords,
                   @subject, @sent_date, @from_address, @message_id
            FROM f
        )
        SELECT uid_validity, uid, modseq, old_recent FROM f
        """;

    private readonly RecentBoundaryCache _recentBoundaries = new();

    private const string LockMailboxSql = "SELECT used_bytes, quota_bytes FROM mailboxes WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id FOR UPDATE";

    public async Task<Folder?> GetFolderAsync(long tenantId, long mailboxId, long folderId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"SELECT {FolderColumns} FROM folders WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND folder_id = @folder_id",
            MapFolder, cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId))).FirstOrDefault();

    public async Task<Folder> CreateFolderAsync(long tenantId, long mailboxId, string name, string? specialUse, CancellationToken cancellationToken)
    {
        try
        {
            // RFC 3501 sections 6.3.6 and 6.3.9: the subscriptions are the names the user declared with
            // SUBSCRIBE, so a created folder is not subscribed, unless its name was subscribed while it
            // did not exist (orphan_subscriptions), which takes its mark back. (The folders a new
            // mailbox starts with are subscribed by the column default: the server declared them.)
            return (await Db.QueryAsync(dataSource, $"""
                WITH orphan AS (DELETE FROM orphan_subscriptions WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND name = @name RETURNING 1)
                INSERT INTO folders (tenant_id, mailbox_id, name, special_use, subscribed)
                VALUES (@tenant_id, @mailbox_id, @name, @special_use, EXISTS (SELECT 1 FROM orphan))
                RETURNING {FolderColumns}
                """, MapFolder, cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("name", name), ("special_use", specialUse)))[0];
        }
        catch (PostgresException ex) when (Db.IsUniqueViolation(ex))
        {
            throw HostedMailException.Conflict("the folder already exists");
        }
    }

    public async Task<bool> DeleteFolderAsync(long tenantId, long mailboxId, string name, CancellationToken cancellationToken)
    {
        var deleted = await InTransactionAsync<(long FolderId, long ModSeq)?>(async (connection, transaction) =>
        {
            var locked = await Db.QueryAsync(connection, transaction, "SELECT folder_id, highest_modseq, subscribed FROM folders WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND name = @name FOR UPDATE",
                r => (Id: r.GetInt64(0), ModSeq: r.GetInt64(1), Subscribed: r.GetBoolean(2)), cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("name", name));
            if (locked.Count == 0)
            {
                return null;
            }

            if (locked[0].Subscribed)
            {
                // RFC 3501 section 6.3.6: the subscription outlives the folder.
                await Db.ExecuteAsync(connection, transaction, "INSERT INTO orphan_subscriptions (tenant_id, mailbox_id, name) VALUES (@tenant_id, @mailbox_id, @name) ON CONFLICT DO NOTHING",
                    cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("name", name));
            }

            var folderId = locked[0].Id;
            await Db.ExecuteAsync(connection, transaction, """
                WITH gone AS (
                    SELECT blob_sha256, count(*) AS n, sum(size) AS s FROM messages WHERE tenant_id = @tenant_id AND folder_id = @folder_id GROUP BY blob_sha256
                ), refs AS (
                    UPDATE blobs b SET ref_count = b.ref_count - g.n FROM gone g WHERE b.tenant_id = @tenant_id AND b.sha256 = g.blob_sha256
                ), usage AS (
                    UPDATE mailboxes SET used_bytes = used_bytes - (SELECT coalesce(sum(s), 0) FROM gone) WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id
                )
                DELETE FROM folders WHERE tenant_id = @tenant_id AND folder_id = @folder_id
                """, cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId));
            return (folderId, locked[0].ModSeq + 1);
        }, cancellationToken);
        if (deleted is not { } d)
        {
            return false;
        }

        // Sessions that have the folder selected learn that it is gone.
        PublishChanged(tenantId, mailboxId, d.FolderId, d.ModSeq);
        return true;
    }

    public Task RenameFolderAsync(long tenantId, long mailboxId, string from, string to, CancellationToken cancellationToken) =>
        InTransactionAsync<bool>(async (connection, transaction) =>
        {
            var prefix = EscapeLike(from) + "/%";
            var moving = await Db.QueryAsync(connection, transaction, "SELECT folder_id FROM folders WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND (name = @from OR name LIKE @prefix) FOR UPDATE",
                r => r.GetInt64(0), cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("from", from), ("prefix", prefix));
            if (moving.Count == 0)
            {
                throw HostedMailException.NotFound("no such folder");
            }

            try
            {
                await Db.ExecuteAsync(connection, transaction, """
                    UPDATE folders SET name = @to || substr(name, length(@from) + 1)
                    WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND (name = @from OR name LIKE @prefix)
                    """, cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("from", from), ("to", to), ("prefix", prefix));
            }
            catch (PostgresException ex) when (Db.IsUniqueViolation(ex))
            {
                throw HostedMailException.Conflict("the target folder already exists");
            }

            return true;
        }, cancellationToken);

    public async Task<bool> SetSubscribedAsync(long tenantId, long mailboxId, string name, bool subscribed, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, """
            WITH orphan AS (
                DELETE FROM orphan_subscriptions WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND name = @name AND NOT @subscribed RETURNING 1
            ), folder AS (
                UPDATE folders SET subscribed = @subscribed WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND name = @name RETURNING 1
            )
            SELECT (SELECT count(*) FROM orphan) + (SELECT count(*) FROM folder)
            """, r => r.GetInt64(0), cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("name", name), ("subscribed", subscribed)))[0] > 0;

    public async Task<IReadOnlyList<string>> ListOrphanSubscriptionsAsync(long tenantId, long mailboxId, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, "SELECT name FROM orphan_subscriptions WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id ORDER BY name",
            r => r.GetString(0), cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId));

    public async Task<FolderUids> ListUidsAsync(long tenantId, long mailboxId, long folderId, long uidNext, long highestModSeq, CancellationToken cancellationToken)
    {
        var rows = await Db.QueryAsync(dataSource, ListUidsSql, r => (Uid: (uint)r.GetInt64(0), Unseen: r.GetBoolean(1)),
            cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId), ("uid_next", uidNext), ("modseq", highestModSeq));
        return new FolderUids([.. rows.Select(r => r.Uid)], [.. rows.Select(r => r.Unseen)]);
    }

    public async Task<IReadOnlyList<UidChange>?> ListUidChangesAsync(long tenantId, long mailboxId, long folderId, long sinceModSeq, long uidNext, long highestModSeq, CancellationToken cancellationToken)
    {
        var rows = await Db.QueryAsync(dataSource, ListUidChangesSql, r => (Uid: r.GetInt64(0), Kind: (UidChangeKind)r.GetInt32(1)),
            cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId), ("since", sinceModSeq), ("uid_next", uidNext), ("modseq", highestModSeq));
        return rows.Count > 0 && rows[0].Uid < 0 ? null : [.. rows.Select(r => new UidChange((uint)r.Uid, r.Kind))];
    }

    public async Task<FolderChanges?> GetChangesAsync(long tenantId, long mailboxId, long folderId, long sinceModSeq, CancellationToken cancellationToken)
    {
        long uidNext = 0, modSeq = 0, horizon = 0;
        var count = -1;
        var changed = new List<FlagState>();
        var vanished = new List<long>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Db.Command(connection, null, ChangesSql, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId), ("since", sinceModSeq));
        await using var reader = await Db.ExecuteReaderAsync(command, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            switch (reader.GetInt32(0))
            {
                case 2:
                    (uidNext, modSeq, count, horizon) = (reader.GetInt64(1), reader.GetInt64(2), reader.GetInt32(3), reader.GetInt64(5));
                    break;
                case 0:
                    changed.Add(new FlagState(reader.GetInt64(1), reader.GetInt64(2), (MessageFlags)reader.GetInt32(3), reader.GetFieldValue<string[]>(4)));
                    break;
                default:
                    vanished.Add(reader.GetInt64(1));
                    break;
            }
        }

        if (count < 0)
        {
            return null;
        }

        changed.Sort((a, b) => a.Uid.CompareTo(b.Uid));
        vanished.Sort();
        return new FolderChanges(uidNext, modSeq, count, changed, vanished, VanishedComplete: horizon <= sinceModSeq);
    }

    public async Task<VanishedUids> ListVanishedAsync(long tenantId, long mailboxId, long folderId, long sinceModSeq, CancellationToken cancellationToken)
    {
        // -1 first when the folder's expunge horizon is above @since: the list is not complete.
        var uids = await Db.QueryAsync(dataSource, """
            SELECT -1 FROM folders f WHERE f.tenant_id = @tenant_id AND f.folder_id = @folder_id AND f.mailbox_id = @mailbox_id AND f.expunge_horizon > @since
            UNION ALL
            SELECT e.uid FROM expunged_messages e JOIN folders f ON f.tenant_id = e.tenant_id AND f.folder_id = e.folder_id AND f.mailbox_id = @mailbox_id
            WHERE e.tenant_id = @tenant_id AND e.folder_id = @folder_id AND e.modseq > @since
            ORDER BY 1
            """, r => r.GetInt64(0), cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId), ("since", sinceModSeq));
        var complete = uids.Count == 0 || uids[0] >= 0;
        return new VanishedUids(complete ? uids : uids[1..], complete);
    }

    public async Task<int> PruneExpungeHistoryAsync(DateTimeOffset before, int maxFolders, CancellationToken cancellationToken)
    {
        // One folder per statement (its own transaction), its row locked first, as every change to the
        // folder locks it: the tombstones and the horizon move together, and a second node pruning the
        // same folder waits, then finds nothing left to delete. The folder's MODSEQ does not move:
        // nothing a session can see has changed.
        var folders = await Db.QueryAsync(dataSource, "SELECT DISTINCT tenant_id, folder_id FROM expunged_messages WHERE expunged_at < @before LIMIT @max",
            r => (Tenant: r.GetInt64(0), Folder: r.GetInt64(1)), cancellationToken, ("before", before), ("max", maxFolders));
        foreach (var (tenant, folder) in folders)
        {
            await Db.ExecuteAsync(dataSource, """
                WITH f AS (SELECT 1 FROM folders WHERE tenant_id = @tenant_id AND folder_id = @folder_id FOR UPDATE),
                gone AS (
                    DELETE FROM expunged_messages WHERE tenant_id = @tenant_id AND folder_id = @folder_id AND expunged_at < @before AND EXISTS (SELECT 1 FROM f)
                    RETURNING modseq
                )
                UPDATE folders SET expunge_horizon = greatest(expunge_horizon, (SELECT max(modseq) FROM gone))
                WHERE tenant_id = @tenant_id AND folder_id = @folder_id AND EXISTS (SELECT 1 FROM gone)
                """, cancellationToken, ("tenant_id", tenant), ("folder_id", folder), ("before", before));
        }

        return folders.Count;
    }

    public async Task<IReadOnlyList<ImapMessage>> FetchAsync(long tenantId, long mailboxId, long folderId, IReadOnlyList<long> uids, FetchExtras extras, CancellationToken cancellationToken)
    {
        // ENVELOPE, BODYSTRUCTURE and the header block belong to the blob: one index probe per
        // message, and only when something of the blob is asked for.
        // Views of another version are stale (ImapBodyStructure.Version): NULL, so the session computes them.
        var views = extras.HasFlag(FetchExtras.CachedViews)
            ? $"CASE WHEN b.views_version = {CachedViewsSql.Version} THEN b.envelope END, CASE WHEN b.views_version = {CachedViewsSql.Version} THEN b.body_structure END"
            : "NULL::bytea, NULL::bytea";
        var content = extras.HasFlag(FetchExtras.Header) ? "b.header"
            : extras.HasFlag(FetchExtras.Blob) ? $"CASE WHEN m.size <= {MaxInlineBlobSize} THEN b.data END"
            : "NULL::bytea";
        var join = extras == FetchExtras.None ? string.Empty : "LEFT JOIN blobs b ON b.tenant_id = m.tenant_id AND b.sha256 = m.blob_sha256";
        return await Db.QueryAsync(dataSource, $"""
            SELECT m.uid, m.modseq, m.flags, m.keywords, m.size, m.internal_date, m.blob_sha256, {views}, {content}, m.subject FROM messages m {join}
            WHERE m.tenant_id = @tenant_id AND m.mailbox_id = @mailbox_id AND m.folder_id = @folder_id AND m.uid = ANY(@uids) ORDER BY m.uid
            """, r => new ImapMessage(r.GetInt64(0), r.GetInt64(1), (MessageFlags)r.GetInt32(2), r.GetFieldValue<string[]>(3), r.GetInt64(4),
                r.GetFieldValue<DateTimeOffset>(5), r.GetFieldValue<byte[]>(6), NullableBytes(r, 7), NullableBytes(r, 8), NullableBytes(r, 9),
                r.IsDBNull(10) ? null : r.GetString(10)),
            cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId), ("uids", uids.ToArray()));
    }

    public async Task SaveCachedViewsAsync(long tenantId, IReadOnlyList<CachedViews> views, CancellationToken cancellationToken)
    {
        if (views.Count == 0)
        {
            return;
        }

        // Only rows still older than the values given: a concurrent writer of the current version wins.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            UPDATE blobs b SET envelope = v.envelope, body_structure = v.body_structure, views_version = v.version
            FROM unnest(@shas, @envelopes, @structures, @versions) AS v(sha256, envelope, body_structure, version)
            WHERE b.tenant_id = @tenant_id AND b.sha256 = v.sha256 AND b.views_version < v.version
            """, connection);
        command.Parameters.Add(Db.Parameter("tenant_id", tenantId));
        command.Parameters.Add(Db.Parameter("shas", NpgsqlDbType.Array | NpgsqlDbType.Bytea, views.Select(v => v.BlobSha256).ToArray()));
        command.Parameters.Add(Db.Parameter("envelopes", NpgsqlDbType.Array | NpgsqlDbType.Bytea, views.Select(v => v.Envelope).ToArray()));
        command.Parameters.Add(Db.Parameter("structures", NpgsqlDbType.Array | NpgsqlDbType.Bytea, views.Select(v => v.BodyStructure).ToArray()));
        command.Parameters.Add(Db.Parameter("versions", NpgsqlDbType.Array | NpgsqlDbType.Smallint, views.Select(v => (short)v.Version).ToArray()));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task<FlagStoreResult> StoreFlagsAsync(long tenantId, long mailboxId, long folderId, FlagStoreRequest request, CancellationToken cancellationToken) =>
        InBatchAsync(async (connection, batch) =>
        {
            if (!options.DurableFlagChanges)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(DeferFlushSql));
            }

            batch.BatchCommands.Add(FolderExpunge.LockStatement(tenantId, mailboxId, folderId));
            var systemFlagsOnly = request is { Mode: not FlagStoreMode.Replace, Keywords.Count: 0, UnchangedSince: null };
            var store = Db.Statement(systemFlagsOnly ? StoreSystemFlagsSql : StoreFlagsSql, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId),
                ("uids", request.Uids.ToArray()), ("mode", (int)request.Mode), ("flags", (int)request.Flags));
            if (!systemFlagsOnly)
            {
                store.Parameters.Add(Db.Parameter("keywords", NpgsqlDbType.Array | NpgsqlDbType.Text, request.Keywords.Distinct(StringComparer.OrdinalIgnoreCase).ToArray()));
                store.Parameters.Add(Db.Parameter("unchanged_since", NpgsqlDbType.Bigint, request.UnchangedSince));
            }

            batch.BatchCommands.Add(store);
            var messages = new List<StoredFlags>();
            var modified = new List<long>();
            await using (var reader = await Db.ExecuteReaderAsync(batch, cancellationToken))
            {
                // Past the results of the statements before the store (the lock, the commit setting).
                for (var i = 1; i < batch.BatchCommands.Count; i++)
                {
                    await reader.NextResultAsync(cancellationToken);
                }

                while (await reader.ReadAsync(cancellationToken))
                {
                    var stored = new StoredFlags(reader.GetInt64(0), reader.GetInt64(1), (MessageFlags)reader.GetInt32(2), reader.GetFieldValue<string[]>(3), reader.GetBoolean(4));
                    if (reader.GetBoolean(5))
                    {
                        modified.Add(stored.Uid);
                    }
                    else
                    {
                        messages.Add(stored);
                    }
                }
            }

            PublishChanged(tenantId, mailboxId, folderId, messages.Where(m => m.Changed).Select(m => m.ModSeq).DefaultIfEmpty().Max());
            return new FlagStoreResult(messages, modified);
        }, cancellationToken);

    public async Task<CopyResult> CopyAsync(long tenantId, long mailboxId, long sourceFolderId, IReadOnlyList<long> uids, long targetFolderId, bool move, CancellationToken cancellationToken)
    {
        var (result, targetModSeq) = await InTransactionAsync(async (connection, transaction) =>
        {
            var ids = new[] { sourceFolderId, targetFolderId }.Distinct().Order().ToArray();
            var locked = await Db.QueryAsync(connection, transaction, """
                SELECT folder_id, uid_validity FROM folders WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND folder_id = ANY(@ids) ORDER BY folder_id FOR UPDATE
                """, r => (Id: r.GetInt64(0), UidValidity: r.GetInt64(1)), cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("ids", ids));
            if (locked.Count != ids.Length)
            {
                throw HostedMailException.NotFound("no such folder");
            }

            var uidArray = uids.ToArray();
            if (!move)
            {
                var usage = await Db.QueryAsync(connection, transaction, """
                    SELECT mb.used_bytes, mb.quota_bytes,
                           (SELECT coalesce(sum(size), 0)::bigint FROM messages WHERE tenant_id = @tenant_id AND folder_id = @source AND uid = ANY(@uids))
                    FROM mailboxes mb WHERE mb.tenant_id = @tenant_id AND mb.mailbox_id = @mailbox_id
                    """, r => (Used: r.GetInt64(0), Quota: r.GetInt64(1), Adding: r.GetInt64(2)), cancellationToken,
                    ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("source", sourceFolderId), ("uids", uidArray));
                if (usage.Count == 0 || (usage[0].Adding > 0 && usage[0].Used + usage[0].Adding > usage[0].Quota))
                {
                    throw new QuotaExceededException();
                }
            }

            var pairs = await Db.QueryAsync(connection, transaction, CopySql, r => (Source: r.GetInt64(0), Target: r.GetInt64(1), ModSeq: r.GetInt64(2)), cancellationToken,
                ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("source", sourceFolderId), ("target", targetFolderId), ("uids", uidArray));
            IReadOnlyList<ExpungedMessage> expunged = [];
            if (move && pairs.Count > 0)
            {
                expunged = await ExpungeAsync(connection, transaction, tenantId, mailboxId, sourceFolderId, pairs.Select(p => p.Source).ToArray(), onlyDeleted: false, cancellationToken);
            }

            var uidValidity = locked.First(l => l.Id == targetFolderId).UidValidity;
            return (new CopyResult(uidValidity, pairs.Select(p => p.Source).ToList(), pairs.Select(p => p.Target).ToList(), expunged), pairs.Count > 0 ? pairs[0].ModSeq : 0);
        }, cancellationToken);
        PublishChanged(tenantId, mailboxId, targetFolderId, targetModSeq);
        PublishChanged(tenantId, mailboxId, sourceFolderId, result.Expunged.Count > 0 ? result.Expunged[0].ModSeq : 0);
        return result;
    }

    public Task<AppendResult> AppendAsync(long tenantId, long mailboxId, long folderId, string? expectedName, MessageData message, MessageFlags flags, IReadOnlyList<string> keywords, DateTimeOffset internalDate, bool claimRecent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var s = message.Summary;
        return InBatchAsync(async (connection, batch) =>
        {
            // One round trip, one implicit transaction: the folder and mailbox rows are locked, then
            // one statement adds the message, its blob and the usage only if the folder exists and
            // the quota allows, so a refused APPEND changes nothing. Lock order folder, mailbox, blob
            // differs from delivery's (blob first): a deadlock between the two is retried.
            // Search text is extracted later, at the first SEARCH that needs it (IndexTextAsync).
            // A \Recent claim rides on the folder update (the row is locked first, so the old boundary
            // read in the statement is current): no second write transaction per APPEND.
            batch.BatchCommands.Add(expectedName is null
                ? FolderExpunge.LockStatement(tenantId, mailboxId, folderId)
                : Db.Statement(LockNamedFolderSql, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId), ("name", expectedName)));
            batch.BatchCommands.Add(Db.Statement(LockMailboxSql, ("tenant_id", tenantId), ("mailbox_id", mailboxId)));
            var append = Db.Statement(expectedName is null ? AppendSql : AppendNamedSql, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId), ("flags", (int)flags), ("size", message.Size),
                ("sha", message.Sha256), ("internal_date", internalDate), ("keywords", keywords.Distinct(StringComparer.OrdinalIgnoreCase).ToArray()),
                ("subject", s.Subject), ("sent_date", s.SentDate), ("from_address", s.FromAddress), ("message_id", s.MessageId), ("claim_recent", claimRecent));
            if (expectedName is not null)
            {
                append.Parameters.Add(Db.Parameter("name", expectedName));
            }

            append.Parameters.Add(Db.Parameter("data", message.Bytes));
            append.Parameters.Add(Db.Parameter("envelope", NpgsqlDbType.Bytea, s.Envelope));
            append.Parameters.Add(Db.Parameter("body_structure", NpgsqlDbType.Bytea, s.BodyStructure));
            append.Parameters.Add(message.Header is { } header ? Db.Parameter("header", header) : Db.Parameter("header", NpgsqlDbType.Bytea, null));
            batch.BatchCommands.Add(append);
            AppendResult? result = null;
            bool folderFound;
            await using (var reader = await Db.ExecuteReaderAsync(batch, cancellationToken))
            {
                folderFound = await reader.ReadAsync(cancellationToken);
                await reader.NextResultAsync(cancellationToken);
                await reader.NextResultAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    result = new AppendResult(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), claimRecent ? reader.GetInt64(3) : null);
                }
            }

            if (result is null)
            {
                throw folderFound ? new QuotaExceededException() : HostedMailException.NotFound("no such folder");
            }

            if (claimRecent)
            {
                _recentBoundaries.Raise(folderId, result.Uid + 1);
            }

            PublishChanged(tenantId, mailboxId, folderId, result.ModSeq);
            return result;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<ExpungedMessage>> ExpungeDeletedAsync(long tenantId, long mailboxId, long folderId, IReadOnlyList<long>? uids, CancellationToken cancellationToken) =>
        InBatchAsync(async (connection, batch) =>
        {
            // A folder of another mailbox is locked by nothing and expunges nothing (both statements check the mailbox).
            batch.BatchCommands.Add(FolderExpunge.LockStatement(tenantId, mailboxId, folderId));
            batch.BatchCommands.Add(FolderExpunge.Statement(tenantId, mailboxId, folderId, uids?.ToArray(), onlyDeleted: true));
            IReadOnlyList<ExpungedMessage> expunged;
            await using (var reader = await Db.ExecuteReaderAsync(batch, cancellationToken))
            {
                await reader.NextResultAsync(cancellationToken);
                expunged = await FolderExpunge.ReadAsync(reader, cancellationToken);
            }

            PublishChanged(tenantId, mailboxId, folderId, expunged.Count > 0 ? expunged[0].ModSeq : 0);
            return expunged;
        }, cancellationToken);

    // RFC 3501 section 2.3.2: the old boundary comes back from the same UPDATE that moves it (the
    // row lock orders concurrent claims on every node), so two sessions never share a message.
    private const string ClaimRecentSql = """
        UPDATE folders f SET recent_uid = greatest(f.recent_uid, @up_to)
        FROM (SELECT recent_uid FROM folders WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND folder_id = @folder_id FOR UPDATE) old
        WHERE f.tenant_id = @tenant_id AND f.mailbox_id = @mailbox_id AND f.folder_id = @folder_id
        RETURNING old.recent_uid,
            (SELECT count(*)::int FROM messages m WHERE m.tenant_id = @tenant_id AND m.folder_id = @folder_id AND m.uid >= old.recent_uid AND m.uid < @up_to)
        """;

    private const string PeekRecentSql = """
        SELECT f.recent_uid,
            (SELECT count(*)::int FROM messages m WHERE m.tenant_id = f.tenant_id AND m.folder_id = f.folder_id AND m.uid >= f.recent_uid AND m.uid < @up_to)
        FROM folders f WHERE f.tenant_id = @tenant_id AND f.mailbox_id = @mailbox_id AND f.folder_id = @folder_id
        """;

    public async Task<RecentRange?> ClaimRecentAsync(long tenantId, long mailboxId, long folderId, long upToUid, bool claim, CancellationToken cancellationToken)
    {
        // What the query would answer when the boundary is at or past upToUid: nothing is left to claim.
        var covered = new RecentRange(upToUid, upToUid, 0);
        if (!claim)
        {
            return _recentBoundaries.Covers(folderId, upToUid) ? covered : await QueryRecentAsync(PeekRecentSql);
        }

        return await _recentBoundaries.ClaimOnceAsync(folderId, upToUid, () => QueryRecentAsync(ClaimRecentSql), covered, cancellationToken);

        async Task<RecentRange?> QueryRecentAsync(string sql)
        {
            var rows = await Db.QueryAsync(dataSource, sql, r => (From: r.GetInt64(0), Count: r.GetInt32(1)), cancellationToken,
                ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId), ("up_to", upToUid));
            if (rows.Count == 0)
            {
                return null;
            }

            _recentBoundaries.Raise(folderId, claim ? Math.Max(rows[0].From, upToUid) : rows[0].From);
            return new RecentRange(rows[0].From, Math.Max(rows[0].From, upToUid), rows[0].From < upToUid ? rows[0].Count : 0);
        }
    }

    public async Task<int> CountRecentAsync(long tenantId, long mailboxId, long folderId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, """
            SELECT count(*)::int FROM messages m JOIN folders f ON f.tenant_id = m.tenant_id AND f.folder_id = m.folder_id
            WHERE f.tenant_id = @tenant_id AND f.mailbox_id = @mailbox_id AND f.folder_id = @folder_id AND m.uid >= f.recent_uid
            """, r => r.GetInt32(0), cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId)))[0];

    public async Task<int> CountDeletedAsync(long tenantId, long mailboxId, long folderId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, "SELECT count(*)::int FROM messages WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND folder_id = @folder_id AND flags & 8 <> 0",
            r => r.GetInt32(0), cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId)))[0];

    public async Task<QuotaUsage> GetQuotaAsync(long tenantId, long mailboxId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, "SELECT used_bytes, quota_bytes FROM mailboxes WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id",
            r => new QuotaUsage(r.GetInt64(0), r.GetInt64(1)), cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId))).FirstOrDefault() ?? new QuotaUsage(0, 0);

    private static Task<bool> LockFolderAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long tenantId, long mailboxId, long folderId, CancellationToken cancellationToken) =>
        FolderExpunge.LockFolderAsync(connection, transaction, tenantId, mailboxId, folderId, cancellationToken);

    private static Task<IReadOnlyList<ExpungedMessage>> ExpungeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long tenantId, long mailboxId, long folderId, long[]? uids, bool onlyDeleted, CancellationToken cancellationToken) =>
        FolderExpunge.ExecuteAsync(connection, transaction, tenantId, mailboxId, folderId, uids, onlyDeleted, cancellationToken);

    private static readonly string InsertTextSql = $"""
        INSERT INTO message_text (tenant_id, blob_sha256, headers, body, part_headers, sent_day, version)
        VALUES (@tenant_id, @sha, @headers, @body, @part_headers, @sent_day, {MessageText.Version})
        ON CONFLICT (tenant_id, blob_sha256) DO UPDATE SET headers = EXCLUDED.headers, body = EXCLUDED.body, part_headers = EXCLUDED.part_headers,
            sent_day = EXCLUDED.sent_day, version = EXCLUDED.version
        WHERE message_text.version < EXCLUDED.version
        """;

    private static Task<int> InsertTextAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long tenantId, byte[] sha256, (string Headers, string Body, string PartHeaders) text, DateOnly? sentDay, CancellationToken cancellationToken) =>
        Db.ExecuteAsync(connection, transaction, InsertTextSql, cancellationToken,
            ("tenant_id", tenantId), ("sha", sha256), ("headers", text.Headers), ("body", text.Body), ("part_headers", text.PartHeaders), ("sent_day", sentDay));

    /// <summary>
    /// Runs statements as one batch without an explicit transaction: PostgreSQL runs a batch (one Sync)
    /// as one implicit transaction, so it commits or rolls back as a whole, in one round trip. The
    /// reader must be read to its end inside <paramref name="work"/>: the commit is confirmed only then.
    /// </summary>
    private async Task<T> InBatchAsync<T>(Func<NpgsqlConnection, NpgsqlBatch, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                await using var batch = new NpgsqlBatch(connection);
                return await work(connection, batch);
            }
            catch (PostgresException ex) when (ex.IsTransient && attempt < 4)
            {
                // Deadlock or serialisation failure: the transaction rolled back; run it again.
            }
        }
    }

    /// <summary>After a commit (the reader is done): this node's sessions on the folder learn of the change now, other nodes' soon.</summary>
    private void PublishChanged(long tenantId, long mailboxId, long folderId, long modSeq)
    {
        if (modSeq > 0)
        {
            notifier.Changed(tenantId, mailboxId, folderId, modSeq);
        }
    }

    private static byte[]? NullableBytes(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<byte[]>(ordinal);

    private async Task<T> InTransactionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                var result = await work(connection, transaction);
                await transaction.CommitAsync(cancellationToken);
                return result;
            }
            catch (PostgresException ex) when (ex.IsTransient && attempt < 4)
            {
                // Deadlock or serialisation failure: the transaction rolled back; run it again.
            }
        }
    }

    private static string EscapeLike(string value) => value.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);

    private static Folder MapFolder(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), Db.NullableString(r, 4), r.GetBoolean(5),
        r.GetInt64(6), r.GetInt64(7), r.GetInt64(8), r.GetInt32(9), r.GetInt32(10), r.GetInt64(11));
}
