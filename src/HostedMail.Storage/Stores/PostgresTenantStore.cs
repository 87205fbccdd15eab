using HostedMail.Core;
using HostedMail.Core.Audit;
using HostedMail.Core.Tenants;
using Npgsql;

namespace HostedMail.Storage.Stores;

internal sealed class PostgresTenantStore(NpgsqlDataSource dataSource) : ITenantStore
{
    private const string Columns = "tenant_id, name, coalesce(display_name, name), plan, state, created_at, language";

    public async Task<Tenant> CreateAsync(string name, string displayName, string plan, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            var tenant = (await Db.QueryAsync(connection, transaction, $"INSERT INTO tenants (name, display_name, plan) VALUES (@name, @display_name, @plan) RETURNING {Columns}", Map, cancellationToken,
                ("name", name), ("display_name", displayName), ("plan", plan)))[0];
            await Db.InsertAuditAsync(connection, transaction, audit with { TenantId = tenant.TenantId }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return tenant;
        }
        catch (PostgresException ex) when (Db.IsUniqueViolation(ex))
        {
            throw HostedMailException.Conflict($"a tenant named '{name}' already exists");
        }
    }

    public async Task<Tenant?> GetAsync(long tenantId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"SELECT {Columns} FROM tenants WHERE tenant_id = @id", Map, cancellationToken, ("id", tenantId))).FirstOrDefault();

    public async Task<Tenant?> FindByNameAsync(string name, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"SELECT {Columns} FROM tenants WHERE lower(name) = lower(@name)", Map, cancellationToken, ("name", name))).FirstOrDefault();

    public async Task<IReadOnlyList<Tenant>> ListAsync(CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, $"SELECT {Columns} FROM tenants ORDER BY tenant_id", Map, cancellationToken);

    public async Task SetLanguageAsync(long tenantId, string? language, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var updated = await Db.QueryAsync(connection, transaction, "UPDATE tenants SET language = @language, version = version + 1 WHERE tenant_id = @id RETURNING tenant_id",
            r => r.GetInt64(0), cancellationToken, ("id", tenantId), ("language", language));
        if (updated.Count == 0)
        {
            throw HostedMailException.NotFound($"unknown tenant {tenantId}");
        }

        await Db.InsertAuditAsync(connection, transaction, audit with { TenantId = tenantId }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    // The tenants_suspended trigger (migration 0062) notifies every mailbox of the tenant on
    // hostedmail_credentials when the state becomes suspended; the credential-stamp lookup refuses
    // logins of suspended tenants by itself.
    public async Task<Tenant?> UpdateAsync(long tenantId, string? plan, TenantState? state, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = await Db.QueryAsync(connection, transaction, $"""
            UPDATE tenants SET plan = COALESCE(@plan, plan), state = COALESCE(@state, state), version = version + 1
            WHERE tenant_id = @id RETURNING {Columns}
            """, Map, cancellationToken,
            ("id", tenantId), ("plan", plan), ("state", state switch { TenantState.Suspended => "suspended", TenantState.Active => "active", _ => null }));
        if (rows.Count == 0)
        {
            return null;
        }

        await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return rows[0];
    }

    private static Tenant Map(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3),
        r.GetString(4) == "suspended" ? TenantState.Suspended : TenantState.Active,
        r.GetFieldValue<DateTimeOffset>(5))
    {
        Language = r.IsDBNull(6) ? null : r.GetString(6),
    };
}
