using HostedMail.Core.Domains;
using Npgsql;

namespace HostedMail.Storage.Stores;

/// <summary>The service domain's DKIM keys, in <c>service.dkim_keys</c> (no tenant owns them).</summary>
internal sealed class PostgresServiceDkimKeyStore(NpgsqlDataSource dataSource) : IServiceDkimKeyStore
{
    private const string Select = """
        SELECT domain, selector, private_key_pem, created_at FROM service.dkim_keys
        WHERE domain = @domain AND active ORDER BY created_at DESC, selector DESC LIMIT 1
        """;

    // A transaction-level advisory lock on the domain name, so two nodes creating the first key at once end with one.
    private const string LockSql = "SELECT pg_advisory_xact_lock(hashtext('service.dkim_keys:' || @domain))";

    private const string InsertSql = "INSERT INTO service.dkim_keys (domain, selector, private_key_pem) VALUES (@domain, @selector, @pem) ON CONFLICT DO NOTHING";

    public async Task<ServiceDkimKey?> FindActiveAsync(string domain, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, Select, Map, cancellationToken, ("domain", domain))).FirstOrDefault();

    public async Task<ServiceDkimKey> AddIfNoneActiveAsync(string domain, string selector, string privateKeyPem, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, transaction, LockSql, cancellationToken, ("domain", domain));
        var existing = await Db.QueryAsync(connection, transaction, Select, Map, cancellationToken, ("domain", domain));
        if (existing.Count == 0)
        {
            await Db.ExecuteAsync(connection, transaction, InsertSql, cancellationToken, ("domain", domain), ("selector", selector), ("pem", privateKeyPem));
            existing = await Db.QueryAsync(connection, transaction, Select, Map, cancellationToken, ("domain", domain));
        }

        await transaction.CommitAsync(cancellationToken);
        return existing[0];
    }

    private static ServiceDkimKey Map(NpgsqlDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3));
}
