using HostedMail.Core.AppPasswords;
using HostedMail.Core.Audit;
using Npgsql;

namespace HostedMail.Storage.Stores;

internal sealed class PostgresAppPasswordStore(NpgsqlDataSource dataSource) : IAppPasswordStore
{
    private const string Columns = "tenant_id, app_password_id, mailbox_id, name, created_at, last_used_at";

    public async Task<AppPassword> CreateAsync(long tenantId, long mailboxId, string name, byte[] passwordHash, DateTimeOffset now, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var created = (await Db.QueryAsync(connection, transaction, $"""
            INSERT INTO app_passwords (tenant_id, mailbox_id, name, password_sha256, created_at)
            VALUES (@tenant_id, @mailbox_id, @name, @hash, @now)
            RETURNING {Columns}
            """, Map, cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("name", name), ("hash", passwordHash), ("now", now)))[0];
        await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    public async Task<IReadOnlyList<AppPassword>> ListAsync(long tenantId, long mailboxId, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, $"SELECT {Columns} FROM app_passwords WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id ORDER BY app_password_id",
            Map, cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId));

    public async Task<bool> DeleteAsync(long tenantId, long mailboxId, long appPasswordId, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = Db.Command(connection, transaction,
            "DELETE FROM app_passwords WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND app_password_id = @id",
            ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("id", appPasswordId));
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        if (deleted)
        {
            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    public async Task<long?> FindAsync(long tenantId, long mailboxId, byte[] passwordHash, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource,
            "SELECT app_password_id FROM app_passwords WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND password_sha256 = @hash",
            r => (long?)r.GetInt64(0), cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("hash", passwordHash))).FirstOrDefault();

    // One statement for a whole batch; GREATEST keeps the newest time when nodes' batches cross.
    public async Task RecordUsesAsync(IReadOnlyList<AppPasswordUse> uses, CancellationToken cancellationToken)
    {
        if (uses.Count == 0)
        {
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, null, """
            UPDATE app_passwords a SET last_used_at = GREATEST(COALESCE(a.last_used_at, u.at), u.at)
            FROM unnest(@tenants::bigint[], @ids::bigint[], @ats::timestamptz[]) AS u(tenant_id, app_password_id, at)
            WHERE a.tenant_id = u.tenant_id AND a.app_password_id = u.app_password_id
            """, cancellationToken,
            ("tenants", uses.Select(u => u.TenantId).ToArray()), ("ids", uses.Select(u => u.AppPasswordId).ToArray()),
            ("ats", uses.Select(u => u.At.ToUniversalTime()).ToArray()));
    }

    private static AppPassword Map(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4), Db.Nullable<DateTimeOffset>(r, 5));
}
