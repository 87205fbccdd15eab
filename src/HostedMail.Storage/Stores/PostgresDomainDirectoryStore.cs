using HostedMail.Core.Delivery;
using HostedMail.Core.Tenants;
using Npgsql;

namespace HostedMail.Storage.Stores;

/// <summary>Loads one verified domain's RCPT directory for its grain: three indexed reads on one connection, once per activation.</summary>
internal sealed class PostgresDomainDirectoryStore(NpgsqlDataSource dataSource) : IDomainDirectoryStore
{
    private const string DomainSql = """
        SELECT d.tenant_id, d.domain_id, t.state
        FROM domains d JOIN tenants t ON t.tenant_id = d.tenant_id
        WHERE d.name = @domain AND d.state = 'verified'
        """;

    private const string MailboxesSql = $"SELECT {PostgresMailboxStore.Columns} FROM mailboxes m WHERE m.tenant_id = @tenant_id AND m.domain_id = @domain_id";

    private const string UsageSql = "SELECT mailbox_id, used_bytes FROM mailboxes WHERE tenant_id = @tenant_id AND domain_id = @domain_id";

    private const string AliasesSql = $"SELECT {PostgresAliasStore.Columns} FROM aliases WHERE tenant_id = @tenant_id AND domain_id = @domain_id";

    public async Task<DomainDirectory?> LoadAsync(string domain, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var found = await Db.QueryAsync(connection, null, DomainSql,
            r => (TenantId: r.GetInt64(0), DomainId: r.GetInt64(1), State: r.GetString(2) == "suspended" ? TenantState.Suspended : TenantState.Active),
            cancellationToken, ("domain", domain));
        if (found.Count == 0)
        {
            return null;
        }

        var (tenantId, domainId, state) = found[0];
        var mailboxes = await Db.QueryAsync(connection, null, MailboxesSql, PostgresMailboxStore.Map, cancellationToken, ("tenant_id", tenantId), ("domain_id", domainId));
        var aliases = await Db.QueryAsync(connection, null, AliasesSql, PostgresAliasStore.Map, cancellationToken, ("tenant_id", tenantId), ("domain_id", domainId));
        return new DomainDirectory(tenantId, domainId, state, mailboxes, aliases);
    }

    public async Task<IReadOnlyDictionary<long, long>> LoadUsageAsync(long tenantId, long domainId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, UsageSql, r => (Id: r.GetInt64(0), Used: r.GetInt64(1)), cancellationToken, ("tenant_id", tenantId), ("domain_id", domainId)))
            .ToDictionary(r => r.Id, r => r.Used);
}
