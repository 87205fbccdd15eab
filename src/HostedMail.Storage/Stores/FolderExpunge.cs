using HostedMail.Core.Messages;
using Npgsql;
using NpgsqlTypes;

namespace HostedMail.Storage.Stores;

/// <summary>
/// Removing messages from a folder, shared by POP3 (QUIT) and IMAP (EXPUNGE, MOVE): one statement
/// deletes the rows, logs them with a fresh MODSEQ for QRESYNC, fixes the folder counters, the
/// mailbox usage and the blob references, so a reader sees all of it or none of it. Run it after
/// <see cref="LockFolderAsync"/> in the same transaction; the caller tells the folder's watchers
/// after the commit (<see cref="IFolderChangeNotifier"/>).
/// </summary>
internal static class FolderExpunge
{
    private const string LockFolderSql = "SELECT highest_modseq FROM folders WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND folder_id = @folder_id FOR UPDATE";

    // Without UIDs: every message (optionally only those flagged \Deleted, bit 8). Four statement
    // texts rather than optional filters, so each has its own (generic) plan using the right index.
    private static readonly string[] ExpungeSql = [.. Enumerable.Range(0, 4).Select(i => Expunge((i & 2) != 0, (i & 1) != 0))];

    private static string ExpungeText(bool byUid, bool onlyDeleted) => ExpungeSql[(byUid ? 2 : 0) + (onlyDeleted ? 1 : 0)];

    private static string Expunge(bool byUid, bool onlyDeleted) => $"""
        WITH gone AS (
            DELETE FROM messages m
            WHERE m.tenant_id = @tenant_id AND m.mailbox_id = @mailbox_id AND m.folder_id = @folder_id
              AND {Db.Filter(byUid, "m.uid = ANY(@uids)")} AND {Db.Filter(onlyDeleted, "m.flags & 8 <> 0")}
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
        SELECT gone.uid, bump.highest_modseq
        FROM gone, bump ORDER BY gone.uid
        """;

    /// <summary>Locks the folder row if it belongs to the mailbox; false when it does not (another mailbox's, or gone).</summary>
    public static async Task<bool> LockFolderAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long tenantId, long mailboxId, long folderId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(connection, transaction, LockFolderSql, r => r.GetInt64(0), cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId))).Count > 0;

    /// <summary>The folder lock as a batch statement: one row (the folder's HIGHESTMODSEQ) when the folder belongs to the mailbox.</summary>
    public static NpgsqlBatchCommand LockStatement(long tenantId, long mailboxId, long folderId) =>
        Db.Statement(LockFolderSql, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId));

    /// <summary>The expunge as a batch statement; read its rows with <see cref="ReadAsync"/>.</summary>
    public static NpgsqlBatchCommand Statement(long tenantId, long mailboxId, long folderId, long[]? uids, bool onlyDeleted)
    {
        var statement = Db.Statement(ExpungeText(uids is not null, onlyDeleted), ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId));
        if (uids is not null)
        {
            statement.Parameters.Add(Db.Parameter("uids", NpgsqlDbType.Array | NpgsqlDbType.Bigint, uids));
        }

        return statement;
    }

    public static async Task<IReadOnlyList<ExpungedMessage>> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long tenantId, long mailboxId, long folderId, long[]? uids, bool onlyDeleted, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { Statement(tenantId, mailboxId, folderId, uids, onlyDeleted) } };
        await using var reader = await Db.ExecuteReaderAsync(batch, cancellationToken);
        return await ReadAsync(reader, cancellationToken);
    }

    public static async Task<IReadOnlyList<ExpungedMessage>> ReadAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var list = new List<ExpungedMessage>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new ExpungedMessage(reader.GetInt64(0), reader.GetInt64(1)));
        }

        return list;
    }
}
