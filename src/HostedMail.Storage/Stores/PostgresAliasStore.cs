using HostedMail.Core;
using HostedMail.Core.Aliases;
using HostedMail.Core.Audit;
using Npgsql;

namespace HostedMail.Storage.Stores;

internal sealed class PostgresAliasStore(NpgsqlDataSource dataSource) : IAliasStore
{
    internal const string Columns = "tenant_id, alias_id, domain_id, address, targets, created_at";

    public async Task<Alias> CreateAsync(long tenantId, long domainId, string address, IReadOnlyList<string> targets, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            var alias = (await Db.QueryAsync(connection, transaction, $"""
                INSERT INTO aliases (tenant_id, domain_id, address, targets) VALUES (@tenant_id, @domain_id, @address, @targets)
                RETURNING {Columns}
                """, Map, cancellationToken, ("tenant_id", tenantId), ("domain_id", domainId), ("address", address), ("targets", targets.ToArray())))[0];
            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return alias;
        }
        catch (PostgresException ex) when (Db.IsUniqueViolation(ex))
        {
            throw HostedMailException.Conflict($"alias {address} already exists");
        }
    }

    public async Task<Alias?> FindAsync(long tenantId, string address, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"SELECT {Columns} FROM aliases WHERE tenant_id = @tenant_id AND address = @address", Map, cancellationToken,
            ("tenant_id", tenantId), ("address", address))).FirstOrDefault();

    public async Task<IReadOnlyList<Alias>> ListAsync(long? tenantId, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, $"SELECT {Columns} FROM aliases WHERE {Db.Filter(tenantId is not null, "tenant_id = @tenant_id")} ORDER BY tenant_id, address", Map, cancellationToken,
            ("tenant_id", tenantId));

    internal static Alias Map(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetFieldValue<string[]>(4), r.GetFieldValue<DateTimeOffset>(5));
}
