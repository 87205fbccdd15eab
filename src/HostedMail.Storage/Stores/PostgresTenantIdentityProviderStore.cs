using HostedMail.Core.Audit;
using HostedMail.Core.OAuth;
using Npgsql;

namespace HostedMail.Storage.Stores;

internal sealed class PostgresTenantIdentityProviderStore(NpgsqlDataSource dataSource) : ITenantIdentityProviderStore
{
    private const string Columns = "tenant_id, display_name, issuer, client_id, protected_client_secret, created_at, updated_at";

    public async Task SetAsync(TenantIdentityProvider provider, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, transaction, $"""
            INSERT INTO tenant_identity_providers ({Columns})
            VALUES (@tenant_id, @display_name, @issuer, @client_id, @secret, @created_at, @updated_at)
            ON CONFLICT (tenant_id) DO UPDATE SET display_name = EXCLUDED.display_name, issuer = EXCLUDED.issuer,
                client_id = EXCLUDED.client_id, protected_client_secret = EXCLUDED.protected_client_secret, updated_at = EXCLUDED.updated_at
            """, cancellationToken, ("tenant_id", provider.TenantId), ("display_name", provider.DisplayName), ("issuer", provider.Issuer),
            ("client_id", provider.ClientId), ("secret", provider.ProtectedClientSecret), ("created_at", provider.CreatedAt), ("updated_at", provider.UpdatedAt));
        await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<TenantIdentityProvider?> GetAsync(long tenantId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"SELECT {Columns} FROM tenant_identity_providers WHERE tenant_id = @tenant_id", Map, cancellationToken,
            ("tenant_id", tenantId))).FirstOrDefault();

    public async Task<bool> DeleteAsync(long tenantId, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = Db.Command(connection, transaction, "DELETE FROM tenant_identity_providers WHERE tenant_id = @tenant_id", ("tenant_id", tenantId));
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        if (deleted)
        {
            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    private static TenantIdentityProvider Map(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetFieldValue<DateTimeOffset>(5), r.GetFieldValue<DateTimeOffset>(6));
}
