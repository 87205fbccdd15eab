using HostedMail.Core;
using HostedMail.Core.Audit;
using HostedMail.Core.Mailboxes;
using Npgsql;

namespace HostedMail.Storage.Stores;

internal sealed class PostgresMailboxStore(NpgsqlDataSource dataSource) : IMailboxStore
{
    internal const string Columns = "m.tenant_id, m.mailbox_id, m.domain_id, m.address, m.display_name, m.quota_bytes, m.used_bytes, m.state, m.created_at";

    public async Task<Mailbox> CreateAsync(NewMailbox mailbox, IReadOnlyList<DefaultFolder> folders, AuditEntry audit, CancellationToken cancellationToken)
    {
        const string insertMailbox = $"""
            INSERT INTO mailboxes AS m (tenant_id, domain_id, address, display_name, password_hash, quota_bytes)
            VALUES (@tenant_id, @domain_id, @address, @display_name, @password_hash, @quota_bytes)
            RETURNING {Columns}
            """;
        const string insertFolders = """
            INSERT INTO folders (tenant_id, mailbox_id, name, special_use)
            SELECT @tenant_id, @mailbox_id, f.name, f.special_use FROM unnest(@names, @uses) AS f(name, special_use)
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            var created = (await Db.QueryAsync(connection, transaction, insertMailbox, Map, cancellationToken,
                ("tenant_id", mailbox.TenantId), ("domain_id", mailbox.DomainId), ("address", mailbox.Address),
                ("display_name", mailbox.DisplayName), ("password_hash", mailbox.PasswordHash), ("quota_bytes", mailbox.QuotaBytes)))[0];
            await Db.ExecuteAsync(connection, transaction, insertFolders, cancellationToken,
                ("tenant_id", created.TenantId), ("mailbox_id", created.MailboxId),
                ("names", folders.Select(f => f.Name).ToArray()), ("uses", folders.Select(f => f.SpecialUse).ToArray()));
            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return created;
        }
        catch (PostgresException ex) when (Db.IsUniqueViolation(ex))
        {
            throw HostedMailException.Conflict($"mailbox {mailbox.Address} already exists");
        }
    }

    public async Task<Mailbox?> FindAsync(long tenantId, string address, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"SELECT {Columns} FROM mailboxes m WHERE m.tenant_id = @tenant_id AND m.address = @address", Map, cancellationToken,
            ("tenant_id", tenantId), ("address", address))).FirstOrDefault();

    public async Task<IReadOnlyList<Mailbox>> ListAsync(long? tenantId, long? domainId, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, $"""
            SELECT {Columns} FROM mailboxes m
            WHERE {Db.Filter(tenantId is not null, "m.tenant_id = @tenant_id")} AND {Db.Filter(domainId is not null, "m.domain_id = @domain_id")}
            ORDER BY m.tenant_id, m.address
            """, Map, cancellationToken, ("tenant_id", tenantId), ("domain_id", domainId));

    public async Task SetPasswordHashAsync(long tenantId, long mailboxId, string passwordHash, AuditEntry? audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, transaction, """
            UPDATE mailboxes SET password_hash = @hash, updated_at = now(), version = version + 1
            WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id
            """, cancellationToken, ("hash", passwordHash), ("tenant_id", tenantId), ("mailbox_id", mailboxId));
        if (audit is not null)
        {
            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<string?> GetPasswordHashAsync(long tenantId, long mailboxId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, "SELECT password_hash FROM mailboxes WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id",
            r => Db.NullableString(r, 0), cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId))).FirstOrDefault();

    public async Task DeleteAsync(long tenantId, long mailboxId, AuditEntry audit, CancellationToken cancellationToken)
    {
        // Folders, messages and expunge records go by ON DELETE CASCADE; blobs are reference
        // counted and collected separately, because other mailboxes of the tenant may share them.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, transaction, """
            UPDATE blobs b SET ref_count = b.ref_count - m.n
            FROM (SELECT blob_sha256, count(*) AS n FROM messages WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id GROUP BY blob_sha256) m
            WHERE b.tenant_id = @tenant_id AND b.sha256 = m.blob_sha256
            """, cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId));
        await Db.ExecuteAsync(connection, transaction, "DELETE FROM mailboxes WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id", cancellationToken,
            ("tenant_id", tenantId), ("mailbox_id", mailboxId));
        await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<Mailbox?> FindForLoginAsync(string address, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"""
            SELECT {Columns} FROM mailboxes m
            JOIN domains d ON d.tenant_id = m.tenant_id AND d.domain_id = m.domain_id AND d.state = 'verified'
            JOIN tenants t ON t.tenant_id = m.tenant_id AND t.state = 'active'
            WHERE m.address = @address AND m.state = 'active'
            """, Map, cancellationToken, ("address", address))).FirstOrDefault();

    public async Task<long?> FindCredentialStampAsync(string address, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, """
            SELECT m.credential_stamp FROM mailboxes m
            JOIN domains d ON d.tenant_id = m.tenant_id AND d.domain_id = m.domain_id AND d.state = 'verified'
            JOIN tenants t ON t.tenant_id = m.tenant_id AND t.state = 'active'
            WHERE m.address = @address AND m.state = 'active'
            """, r => (long?)r.GetInt64(0), cancellationToken, ("address", address))).FirstOrDefault();

    public async Task<long?> FindCredentialStampAsync(long tenantId, long mailboxId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, """
            SELECT m.credential_stamp FROM mailboxes m
            JOIN domains d ON d.tenant_id = m.tenant_id AND d.domain_id = m.domain_id AND d.state = 'verified'
            JOIN tenants t ON t.tenant_id = m.tenant_id AND t.state = 'active'
            WHERE m.tenant_id = @tenant_id AND m.mailbox_id = @mailbox_id AND m.state = 'active'
            """, r => (long?)r.GetInt64(0), cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId))).FirstOrDefault();

    internal static Mailbox Map(NpgsqlDataReader r) => Map(r, 0);

    /// <summary>Maps <see cref="Columns"/> starting at column <paramref name="o"/> (for joins that select more).</summary>
    internal static Mailbox Map(NpgsqlDataReader r, int o) => new(
        r.GetInt64(o), r.GetInt64(o + 1), r.GetInt64(o + 2), r.GetString(o + 3), Db.NullableString(r, o + 4),
        r.GetInt64(o + 5), r.GetInt64(o + 6), r.GetString(o + 7) == "disabled" ? MailboxState.Disabled : MailboxState.Active,
        r.GetFieldValue<DateTimeOffset>(o + 8));
}
