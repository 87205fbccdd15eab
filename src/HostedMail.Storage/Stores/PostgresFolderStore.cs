using HostedMail.Core.Messages;
using Npgsql;

namespace HostedMail.Storage.Stores;

internal sealed class PostgresFolderStore(NpgsqlDataSource dataSource, IFolderChangeNotifier notifier) : IFolderStore
{
    private const string FolderColumns = "tenant_id, folder_id, mailbox_id, name, special_use, subscribed, uid_validity, uid_next, highest_modseq, message_count, unseen_count, total_size";

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

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await FolderExpunge.LockFolderAsync(connection, transaction, tenantId, mailboxId, folderId, cancellationToken))
        {
            return [];
        }

        var expunged = await FolderExpunge.ExecuteAsync(connection, transaction, tenantId, mailboxId, folderId, uids.ToArray(), onlyDeleted: false, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (expunged.Count > 0)
        {
            // POP3's deletions at QUIT: IMAP sessions of the mailbox see them without waiting for their poll.
            notifier.Changed(tenantId, mailboxId, folderId, expunged[0].ModSeq);
        }

        return expunged;
    }

    private static Folder MapFolder(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), Db.NullableString(r, 4), r.GetBoolean(5),
        r.GetInt64(6), r.GetInt64(7), r.GetInt64(8), r.GetInt32(9), r.GetInt32(10), r.GetInt64(11));
}
