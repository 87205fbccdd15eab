using HostedMail.Core.Messages;
using Npgsql;

namespace HostedMail.Storage.Stores;

internal sealed class PostgresFolderStore(NpgsqlDataSource dataSource) : IFolderStore
{
    private const string FolderColumns = "tenant_id, folder_id, mailbox_id, name, special_use, subscribed, uid_validity, uid_next, highest_modseq, message_count, unseen_count, total_size";

    // One statement: delete the rows, log them with a fresh MODSEQ, fix counters, usage and blob
    // references, and notify, so a concurrent reader sees all of it or none of it.
    private const string ExpungeSql = $"""
        WITH f AS (
            SELECT folder_id FROM folders WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND folder_id = @folder_id FOR UPDATE
        ), gone AS (
            DELETE FROM messages m USING f
            WHERE m.tenant_id = @tenant_id AND m.folder_id = f.folder_id AND m.uid = ANY(@uids)
            RETURNING m.uid, m.size, m.flags, m.blob_sha256
        ), bump AS (
            UPDATE folders SET highest_modseq = highest_modseq + 1,
                message_count = message_count - (SELECT count(*) FROM gone),
                unseen_count = unseen_count - (SELECT count(*) FROM gone WHERE flags & 1 = 0),
                total_size = total_size - (SELECT coalesce(sum(size), 0) FROM gone)
            WHERE tenant_id = @tenant_id AND folder_id = @folder_id AND EXISTS (SELECT 1 FROM gone)
            RETURNING highest_modseq
        ), logged AS (
            INSERT INTO expunged_messages (tenant_id, folder_id, uid, modseq)
            SELECT @tenant_id, @folder_id, gone.uid, bump.highest_modseq FROM gone, bump
            ON CONFLICT (tenant_id, folder_id, uid) DO UPDATE SET modseq = EXCLUDED.modseq, expunged_at = now()
        ), usage AS (
            UPDATE mailboxes SET used_bytes = used_bytes - (SELECT coalesce(sum(size), 0) FROM gone)
            WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND EXISTS (SELECT 1 FROM gone)
        ), refs AS (
            UPDATE blobs b SET ref_count = b.ref_count - g.n
            FROM (SELECT blob_sha256, count(*) AS n FROM gone GROUP BY blob_sha256) g
            WHERE b.tenant_id = @tenant_id AND b.sha256 = g.blob_sha256
        )
        SELECT gone.uid, bump.highest_modseq, pg_notify('{PostgresMessageStore.FolderChannel}', @tenant_id::text || ':' || @folder_id::text || ':' || bump.highest_modseq::text)
        FROM gone, bump ORDER BY gone.uid
        """;

    public async Task<IReadOnlyList<Folder>> ListFoldersAsync(long tenantId, long mailboxId, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, $"SELECT {FolderColumns} FROM folders WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id ORDER BY name", MapFolder, cancellationToken,
            ("tenant_id", tenantId), ("mailbox_id", mailboxId));

    public async Task<Folder?> GetFolderAsync(long tenantId, long mailboxId, string name, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"SELECT {FolderColumns} FROM folders WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND name = @name", MapFolder, cancellationToken,
            ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("name", name))).FirstOrDefault();

    public async Task<IReadOnlyList<MessageInfo>> ListMessagesAsync(long tenantId, long mailboxId, long folderId, long fromUid, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, """
            SELECT uid, modseq, flags, keywords, size, internal_date, blob_sha256 FROM messages
            WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND folder_id = @folder_id AND uid >= @from_uid
            ORDER BY uid
            """, r => new MessageInfo(r.GetInt64(0), r.GetInt64(1), (MessageFlags)r.GetInt32(2), r.GetFieldValue<string[]>(3), r.GetInt64(4), r.GetFieldValue<DateTimeOffset>(5), r.GetFieldValue<byte[]>(6)),
            cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId), ("from_uid", fromUid));

    public async Task<byte[]?> ReadBlobAsync(long tenantId, byte[] sha256, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, "SELECT data FROM blobs WHERE tenant_id = @tenant_id AND sha256 = @sha", r => r.GetFieldValue<byte[]>(0), cancellationToken,
            ("tenant_id", tenantId), ("sha", sha256))).FirstOrDefault();

    public async Task<IReadOnlyList<ExpungedMessage>> ExpungeAsync(long tenantId, long mailboxId, long folderId, IReadOnlyCollection<long> uids, CancellationToken cancellationToken)
    {
        if (uids.Count == 0)
        {
            return [];
        }

        return await Db.QueryAsync(dataSource, ExpungeSql, r => new ExpungedMessage(r.GetInt64(0), r.GetInt64(1)), cancellationToken,
            ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId), ("uids", uids.ToArray()));
    }

    private static Folder MapFolder(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), Db.NullableString(r, 4), r.GetBoolean(5),
        r.GetInt64(6), r.GetInt64(7), r.GetInt64(8), r.GetInt32(9), r.GetInt32(10), r.GetInt64(11));
}
