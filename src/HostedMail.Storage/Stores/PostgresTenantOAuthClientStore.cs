using HostedMail.Core.Accounts;
using HostedMail.Core.Audit;
using HostedMail.Core.OAuth;
using Npgsql;

namespace HostedMail.Storage.Stores;

internal sealed class PostgresTenantOAuthClientStore(NpgsqlDataSource dataSource) : ITenantOAuthClientStore
{
    private const string Columns = "tenant_id, client_id, name, role, created_at, created_by";

    public async Task AddAsync(TenantOAuthClient client, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, transaction, $"INSERT INTO tenant_oauth_clients ({Columns}) VALUES (@tenant_id, @client_id, @name, @role, @created_at, @created_by)",
            cancellationToken, ("tenant_id", client.TenantId), ("client_id", client.ClientId), ("name", client.Name), ("role", client.Role.Name()),
            ("created_at", client.CreatedAt), ("created_by", client.CreatedBy));
        await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<TenantOAuthClient>> ListAsync(long tenantId, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, $"SELECT {Columns} FROM tenant_oauth_clients WHERE tenant_id = @tenant_id ORDER BY created_at, client_id",
            Map, cancellationToken, ("tenant_id", tenantId));

    public async Task<TenantOAuthClient?> FindAsync(string clientId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"SELECT {Columns} FROM tenant_oauth_clients WHERE client_id = @client_id",
            Map, cancellationToken, ("client_id", clientId))).FirstOrDefault();

    public async Task<bool> DeleteAsync(long tenantId, string clientId, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = Db.Command(connection, transaction, "DELETE FROM tenant_oauth_clients WHERE tenant_id = @tenant_id AND client_id = @client_id",
            ("tenant_id", tenantId), ("client_id", clientId));
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        if (deleted)
        {
            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    private static TenantOAuthClient Map(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), PortalRoles.Parse(r.GetString(3)) ?? PortalRole.ReadOnly,
        r.GetFieldValue<DateTimeOffset>(4), r.GetString(5));
}
