using HostedMail.Core.Aliases;
using HostedMail.Core.Delivery;
using HostedMail.Core.Tenants;
using Npgsql;

namespace HostedMail.Storage.Stores;

internal sealed class PostgresRecipientLookup(NpgsqlDataSource dataSource) : IRecipientLookup
{
    private const string Sql = $"""
        SELECT d.tenant_id, t.state, m.mailbox_id IS NOT NULL, a.alias_id IS NOT NULL,
               {PostgresMailboxStore.Columns},
               a.alias_id, a.domain_id, a.address, a.targets, a.created_at
        FROM domains d
        JOIN tenants t ON t.tenant_id = d.tenant_id
        LEFT JOIN mailboxes m ON m.tenant_id = d.tenant_id AND m.address = @address
        LEFT JOIN aliases a ON a.tenant_id = d.tenant_id AND a.address = @address
        WHERE d.name = @domain AND d.state = 'verified'
        """;

    private const int MailboxOffset = 4;
    private const int AliasOffset = 13;

    public async Task<RecipientLookupResult?> FindAsync(string domain, string address, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, Sql, Map, cancellationToken, ("domain", domain), ("address", address))).FirstOrDefault();

    private static RecipientLookupResult Map(NpgsqlDataReader r) => new(
        r.GetInt64(0),
        r.GetString(1) == "suspended" ? TenantState.Suspended : TenantState.Active,
        r.GetBoolean(2) ? PostgresMailboxStore.Map(r, MailboxOffset) : null,
        r.GetBoolean(3) ? new Alias(r.GetInt64(0), r.GetInt64(AliasOffset), r.GetInt64(AliasOffset + 1), r.GetString(AliasOffset + 2), r.GetFieldValue<string[]>(AliasOffset + 3), r.GetFieldValue<DateTimeOffset>(AliasOffset + 4)) : null);
}
