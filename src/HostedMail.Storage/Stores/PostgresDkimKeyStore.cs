using HostedMail.Core.Domains;
using Npgsql;

namespace HostedMail.Storage.Stores;

internal sealed class PostgresDkimKeyStore(NpgsqlDataSource dataSource) : IDkimKeyStore
{
    private const string SelectAll = """
        SELECT k.tenant_id, k.domain_id, d.name, k.selector, k.private_key_pem, k.created_at
        FROM dkim_keys k JOIN domains d USING (tenant_id, domain_id)
        WHERE k.tenant_id = @tenant_id AND k.domain_id = @domain_id AND k.active
        ORDER BY k.created_at DESC, k.selector DESC
        """;

    private const string Select = SelectAll + " LIMIT 1";

    public async Task<IReadOnlyList<DkimKey>> ListActiveAsync(long tenantId, long domainId, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, SelectAll, Map, cancellationToken, ("tenant_id", tenantId), ("domain_id", domainId));

    public async Task<DkimKey?> FindActiveAsync(long tenantId, long domainId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, Select, Map, cancellationToken, ("tenant_id", tenantId), ("domain_id", domainId))).FirstOrDefault();

    public async Task<DkimKey> AddIfNoneActiveAsync(long tenantId, long domainId, string selector, string privateKeyPem, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Lock the domain row so two nodes creating the first key at once end with one key.
        await Db.ExecuteAsync(connection, transaction, "SELECT 1 FROM domains WHERE tenant_id = @tenant_id AND domain_id = @domain_id FOR UPDATE", cancellationToken,
            ("tenant_id", tenantId), ("domain_id", domainId));
        var existing = await Db.QueryAsync(connection, transaction, Select, Map, cancellationToken, ("tenant_id", tenantId), ("domain_id", domainId));
        if (existing.Count == 0)
        {
            await Db.ExecuteAsync(connection, transaction, """
                INSERT INTO dkim_keys (tenant_id, domain_id, selector, private_key_pem) VALUES (@tenant_id, @domain_id, @selector, @pem)
                ON CONFLICT DO NOTHING
                """, cancellationToken, ("tenant_id", tenantId), ("domain_id", domainId), ("selector", selector), ("pem", privateKeyPem));
            existing = await Db.QueryAsync(connection, transaction, Select, Map, cancellationToken, ("tenant_id", tenantId), ("domain_id", domainId));
        }

        await transaction.CommitAsync(cancellationToken);
        return existing[0];
    }

    private static DkimKey Map(NpgsqlDataReader r) => new(r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetFieldValue<DateTimeOffset>(5));
}
