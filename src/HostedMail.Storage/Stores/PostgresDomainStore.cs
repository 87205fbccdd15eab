using HostedMail.Core;
using HostedMail.Core.Audit;
using HostedMail.Core.Domains;
using Npgsql;

namespace HostedMail.Storage.Stores;

internal sealed class PostgresDomainStore(NpgsqlDataSource dataSource) : IDomainStore
{
    internal const string Columns = "tenant_id, domain_id, name, state, verification_token, verified_at, verified_by, created_at";

    public async Task<Domain> AddAsync(long tenantId, string name, string token, DomainVerifiedBy? verifiedBy, IReadOnlyList<AuditEntry> audit, CancellationToken cancellationToken)
    {
        const string sql = $"""
            INSERT INTO domains (tenant_id, name, verification_token, state, verified_at, verified_by)
            VALUES (@tenant_id, @name, @token, @state, CASE WHEN @verified_by::text IS NULL THEN NULL ELSE now() END, @verified_by)
            RETURNING {Columns}
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            var domain = (await Db.QueryAsync(connection, transaction, sql, Map, cancellationToken,
                ("tenant_id", tenantId), ("name", name), ("token", token),
                ("state", verifiedBy is null ? "pending" : "verified"), ("verified_by", VerifiedByText(verifiedBy))))[0];
            foreach (var entry in audit)
            {
                await Db.InsertAuditAsync(connection, transaction, entry, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return domain;
        }
        catch (PostgresException ex) when (Db.IsUniqueViolation(ex))
        {
            throw ex.ConstraintName == "domains_verified_name_key"
                ? HostedMailException.Conflict($"domain {name} is already verified by another tenant")
                : HostedMailException.Conflict($"domain {name} is already added");
        }
    }

    public async Task<Domain?> FindAsync(long tenantId, string name, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"SELECT {Columns} FROM domains WHERE tenant_id = @tenant_id AND name = @name", Map, cancellationToken,
            ("tenant_id", tenantId), ("name", name))).FirstOrDefault();

    public async Task<Domain?> FindVerifiedAsync(string name, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"SELECT {Columns} FROM domains WHERE name = @name AND state = 'verified'", Map, cancellationToken, ("name", name))).FirstOrDefault();

    public async Task<IReadOnlyList<Domain>> FindAllByNameAsync(string name, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, $"SELECT {Columns} FROM domains WHERE name = @name ORDER BY tenant_id", Map, cancellationToken, ("name", name));

    public async Task<IReadOnlyList<Domain>> ListAsync(long? tenantId, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, $"SELECT {Columns} FROM domains WHERE {Db.Filter(tenantId is not null, "tenant_id = @tenant_id")} ORDER BY tenant_id, name", Map, cancellationToken,
            ("tenant_id", tenantId));

    public async Task<Domain> MarkVerifiedAsync(long tenantId, long domainId, DomainVerifiedBy verifiedBy, AuditEntry audit, CancellationToken cancellationToken)
    {
        const string sql = $"""
            UPDATE domains SET state = 'verified', verified_at = now(), verified_by = @verified_by, last_checked_at = now()
            WHERE tenant_id = @tenant_id AND domain_id = @domain_id
            RETURNING {Columns}
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            var rows = await Db.QueryAsync(connection, transaction, sql, Map, cancellationToken,
                ("tenant_id", tenantId), ("domain_id", domainId), ("verified_by", VerifiedByText(verifiedBy)));
            if (rows.Count == 0)
            {
                throw HostedMailException.NotFound("domain not found");
            }

            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return rows[0];
        }
        catch (PostgresException ex) when (Db.IsUniqueViolation(ex))
        {
            throw HostedMailException.Conflict("domain is already verified by another tenant");
        }
    }

    public async Task RecordCheckAsync(long tenantId, long domainId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, null, "UPDATE domains SET last_checked_at = now() WHERE tenant_id = @tenant_id AND domain_id = @domain_id", cancellationToken,
            ("tenant_id", tenantId), ("domain_id", domainId));
    }

    private static string? VerifiedByText(DomainVerifiedBy? by) => by switch
    {
        DomainVerifiedBy.Dns => "dns",
        DomainVerifiedBy.Operator => "operator",
        _ => null,
    };

    internal static Domain Map(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetString(2),
        r.GetString(3) == "verified" ? DomainState.Verified : DomainState.Pending,
        r.GetString(4),
        Db.Nullable<DateTimeOffset>(r, 5),
        Db.NullableString(r, 6) switch { "dns" => DomainVerifiedBy.Dns, "operator" => DomainVerifiedBy.Operator, _ => null },
        r.GetFieldValue<DateTimeOffset>(7));
}
