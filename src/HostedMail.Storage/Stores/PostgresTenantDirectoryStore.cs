using HostedMail.Core;
using HostedMail.Core.Aliases;
using HostedMail.Core.Audit;
using HostedMail.Core.Directory;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Plans;
using Npgsql;

namespace HostedMail.Storage.Stores;

internal sealed class PostgresTenantDirectoryStore(NpgsqlDataSource dataSource) : ITenantDirectoryStore
{
    private const string DomainColumns = PostgresDomainStore.Columns;
    private const string MailboxColumns = PostgresMailboxStore.Columns;
    private const string AliasColumns = PostgresAliasStore.Columns;

    public async Task<Domain?> FindDomainAsync(long tenantId, long domainId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"SELECT {DomainColumns} FROM domains WHERE tenant_id = @tenant_id AND domain_id = @domain_id", MapDomain, cancellationToken,
            ("tenant_id", tenantId), ("domain_id", domainId))).FirstOrDefault();

    public async Task<bool> DeleteDomainAsync(long tenantId, long domainId, AuditEntry audit, CancellationToken cancellationToken)
    {
        // Mailboxes, folders, messages, aliases and keys go by ON DELETE CASCADE; blob reference
        // counts drop first, as in mailbox deletion, so the blob collector can reclaim them.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, transaction, """
            UPDATE blobs b SET ref_count = b.ref_count - m.n
            FROM (SELECT msg.blob_sha256, count(*) AS n FROM messages msg
                  JOIN mailboxes mb ON mb.tenant_id = msg.tenant_id AND mb.mailbox_id = msg.mailbox_id
                  WHERE msg.tenant_id = @tenant_id AND mb.domain_id = @domain_id GROUP BY msg.blob_sha256) m
            WHERE b.tenant_id = @tenant_id AND b.sha256 = m.blob_sha256
            """, cancellationToken, ("tenant_id", tenantId), ("domain_id", domainId));
        await using var command = Db.Command(connection, transaction, "DELETE FROM domains WHERE tenant_id = @tenant_id AND domain_id = @domain_id",
            ("tenant_id", tenantId), ("domain_id", domainId));
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        if (deleted)
        {
            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    public async Task<Mailbox?> FindMailboxAsync(long tenantId, long mailboxId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"SELECT {MailboxColumns} FROM mailboxes m WHERE m.tenant_id = @tenant_id AND m.mailbox_id = @mailbox_id", MapMailbox, cancellationToken,
            ("tenant_id", tenantId), ("mailbox_id", mailboxId))).FirstOrDefault();

    public async Task<Mailbox?> UpdateMailboxAsync(long tenantId, long mailboxId, MailboxUpdate update, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var state = update.State switch { MailboxState.Active => "active", MailboxState.Disabled => "disabled", _ => null };
        var mailbox = (await Db.QueryAsync(connection, transaction, $"""
            UPDATE mailboxes m SET
                quota_bytes = COALESCE(@quota, m.quota_bytes),
                display_name = COALESCE(@display_name, m.display_name),
                state = COALESCE(@state, m.state),
                updated_at = now(), version = m.version + 1
            WHERE m.tenant_id = @tenant_id AND m.mailbox_id = @mailbox_id
            RETURNING {MailboxColumns}
            """, MapMailbox, cancellationToken, ("quota", update.QuotaBytes), ("display_name", update.DisplayName), ("state", state),
            ("tenant_id", tenantId), ("mailbox_id", mailboxId))).FirstOrDefault();
        if (mailbox is not null)
        {
            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return mailbox;
    }

    public async Task<Alias?> FindAliasAsync(long tenantId, long aliasId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"SELECT {AliasColumns} FROM aliases WHERE tenant_id = @tenant_id AND alias_id = @alias_id", MapAlias, cancellationToken,
            ("tenant_id", tenantId), ("alias_id", aliasId))).FirstOrDefault();

    public async Task<Alias?> SetAliasTargetsAsync(long tenantId, long aliasId, IReadOnlyList<string> targets, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var alias = (await Db.QueryAsync(connection, transaction, $"UPDATE aliases SET targets = @targets WHERE tenant_id = @tenant_id AND alias_id = @alias_id RETURNING {AliasColumns}",
            MapAlias, cancellationToken, ("targets", targets.ToArray()), ("tenant_id", tenantId), ("alias_id", aliasId))).FirstOrDefault();
        if (alias is not null)
        {
            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return alias;
    }

    public async Task<bool> DeleteAliasAsync(long tenantId, long aliasId, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = Db.Command(connection, transaction, "DELETE FROM aliases WHERE tenant_id = @tenant_id AND alias_id = @alias_id",
            ("tenant_id", tenantId), ("alias_id", aliasId));
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        if (deleted)
        {
            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    public async Task<TenantUsage> GetUsageAsync(long tenantId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, """
            SELECT (SELECT count(*) FROM domains WHERE tenant_id = @tenant_id),
                   (SELECT count(*) FROM mailboxes WHERE tenant_id = @tenant_id),
                   (SELECT count(*) FROM aliases WHERE tenant_id = @tenant_id),
                   (SELECT COALESCE(sum(quota_bytes), 0)::bigint FROM mailboxes WHERE tenant_id = @tenant_id),
                   (SELECT COALESCE(sum(used_bytes), 0)::bigint FROM mailboxes WHERE tenant_id = @tenant_id)
            """, r => new TenantUsage((int)r.GetInt64(0), (int)r.GetInt64(1), (int)r.GetInt64(2), r.GetInt64(3), r.GetInt64(4)), cancellationToken,
            ("tenant_id", tenantId)))[0];

    public async Task<IReadOnlyList<DkimKey>> ListDkimKeysAsync(long tenantId, long domainId, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, """
            SELECT k.tenant_id, k.domain_id, d.name, k.selector, k.private_key_pem, k.created_at
            FROM dkim_keys k JOIN domains d USING (tenant_id, domain_id)
            WHERE k.tenant_id = @tenant_id AND k.domain_id = @domain_id AND k.active
            ORDER BY k.created_at DESC, k.selector DESC
            """, r => new DkimKey(r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetFieldValue<DateTimeOffset>(5)), cancellationToken,
            ("tenant_id", tenantId), ("domain_id", domainId));

    public async Task<DkimKey> AddDkimKeyAsync(long tenantId, long domainId, string selector, string privateKeyPem, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            // clock_timestamp(): a key added in the same transaction as another still sorts after it.
            await Db.ExecuteAsync(connection, transaction, """
                INSERT INTO dkim_keys (tenant_id, domain_id, selector, private_key_pem, created_at) VALUES (@tenant_id, @domain_id, @selector, @pem, clock_timestamp())
                """, cancellationToken, ("tenant_id", tenantId), ("domain_id", domainId), ("selector", selector), ("pem", privateKeyPem));
        }
        catch (PostgresException ex) when (Db.IsUniqueViolation(ex))
        {
            throw HostedMailException.Conflict($"DKIM selector {selector} exists already");
        }

        await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (await ListDkimKeysAsync(tenantId, domainId, cancellationToken)).First(k => k.Selector == selector);
    }

    public async Task<bool> RetireDkimKeyAsync(long tenantId, long domainId, string selector, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = Db.Command(connection, transaction,
            "UPDATE dkim_keys SET active = false WHERE tenant_id = @tenant_id AND domain_id = @domain_id AND selector = @selector AND active",
            ("tenant_id", tenantId), ("domain_id", domainId), ("selector", selector));
        var changed = await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        if (changed)
        {
            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return changed;
    }

    private static Domain MapDomain(NpgsqlDataReader r) => PostgresDomainStore.Map(r);

    private static Mailbox MapMailbox(NpgsqlDataReader r) => PostgresMailboxStore.Map(r);

    private static Alias MapAlias(NpgsqlDataReader r) => PostgresAliasStore.Map(r);
}
