using HostedMail.Core.Audit;
using HostedMail.Core.Domains;
using Npgsql;

namespace HostedMail.Storage.Stores;

internal sealed class PostgresDomainHealthStore(NpgsqlDataSource dataSource) : IDomainHealthStore
{
    // The background checker is a system job: ScheduleMissingAsync and ClaimDueAsync read across
    // tenants on purpose; every write names its tenant.
    public async Task ScheduleMissingAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, null, """
            INSERT INTO domain_health (tenant_id, domain_id, next_check_at)
            SELECT d.tenant_id, d.domain_id, @now FROM domains d
            WHERE NOT EXISTS (SELECT 1 FROM domain_health h WHERE h.tenant_id = d.tenant_id AND h.domain_id = d.domain_id)
            ON CONFLICT DO NOTHING
            """, cancellationToken, ("now", now));
    }

    public async Task ScheduleAsync(long tenantId, long domainId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, null, """
            INSERT INTO domain_health (tenant_id, domain_id, next_check_at) VALUES (@tenant_id, @domain_id, @at)
            ON CONFLICT (tenant_id, domain_id) DO UPDATE SET next_check_at = LEAST(domain_health.next_check_at, EXCLUDED.next_check_at)
            """, cancellationToken, ("tenant_id", tenantId), ("domain_id", domainId), ("at", at));
    }

    public async Task<IReadOnlyList<DueDomainCheck>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, """
            WITH due AS (
                SELECT tenant_id, domain_id FROM domain_health
                WHERE next_check_at <= @now ORDER BY next_check_at LIMIT @limit FOR UPDATE SKIP LOCKED)
            UPDATE domain_health h SET next_check_at = @lease_end
            FROM due, domains d
            WHERE h.tenant_id = due.tenant_id AND h.domain_id = due.domain_id AND d.tenant_id = h.tenant_id AND d.domain_id = h.domain_id
            RETURNING h.tenant_id, h.domain_id, d.name, d.state, h.failed_checks, h.mx_status, h.mx_problem_since
            """, r => new DueDomainCheck(r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3) == "verified" ? DomainState.Verified : DomainState.Pending,
                r.GetInt32(4), ParseStatus(Db.NullableString(r, 5)), Db.Nullable<DateTimeOffset>(r, 6)), cancellationToken,
            ("now", now), ("limit", limit), ("lease_end", now + lease));

    public async Task<IReadOnlyList<DueDomainCheck>> ClaimDueAsync(string name, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, null, """
            INSERT INTO domain_health (tenant_id, domain_id, next_check_at)
            SELECT d.tenant_id, d.domain_id, @now FROM domains d WHERE d.name = @name
            ON CONFLICT DO NOTHING
            """, cancellationToken, ("now", now), ("name", name));
        return await Db.QueryAsync(connection, null, """
            WITH due AS (
                SELECT h.tenant_id, h.domain_id FROM domain_health h
                JOIN domains d ON d.tenant_id = h.tenant_id AND d.domain_id = h.domain_id
                WHERE d.name = @name AND h.next_check_at <= @now FOR UPDATE OF h SKIP LOCKED)
            UPDATE domain_health h SET next_check_at = @lease_end
            FROM due, domains d
            WHERE h.tenant_id = due.tenant_id AND h.domain_id = due.domain_id AND d.tenant_id = h.tenant_id AND d.domain_id = h.domain_id
            RETURNING h.tenant_id, h.domain_id, d.name, d.state, h.failed_checks, h.mx_status, h.mx_problem_since
            """, r => new DueDomainCheck(r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3) == "verified" ? DomainState.Verified : DomainState.Pending,
                r.GetInt32(4), ParseStatus(Db.NullableString(r, 5)), Db.Nullable<DateTimeOffset>(r, 6)), cancellationToken,
            ("now", now), ("name", name), ("lease_end", now + lease));
    }

    public async Task RecordAsync(long tenantId, long domainId, DateTimeOffset checkedAt, DateTimeOffset nextCheckAt, int failedChecks, RecordStatus? mxStatus, DateTimeOffset? mxProblemSince, AuditEntry? audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, transaction, """
            UPDATE domain_health SET last_checked_at = @checked, next_check_at = @next, failed_checks = @failed, mx_status = @mx, mx_problem_since = @since
            WHERE tenant_id = @tenant_id AND domain_id = @domain_id
            """, cancellationToken, ("checked", checkedAt), ("next", nextCheckAt), ("failed", failedChecks), ("mx", StatusName(mxStatus)), ("since", mxProblemSince),
            ("tenant_id", tenantId), ("domain_id", domainId));
        if (audit is not null)
        {
            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<DomainHealth?> GetAsync(long tenantId, long domainId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, """
            SELECT tenant_id, domain_id, next_check_at, failed_checks, last_checked_at, mx_status, mx_problem_since FROM domain_health
            WHERE tenant_id = @tenant_id AND domain_id = @domain_id
            """, r => new DomainHealth(r.GetInt64(0), r.GetInt64(1), r.GetFieldValue<DateTimeOffset>(2), r.GetInt32(3), Db.Nullable<DateTimeOffset>(r, 4),
                ParseStatus(Db.NullableString(r, 5)), Db.Nullable<DateTimeOffset>(r, 6)), cancellationToken,
            ("tenant_id", tenantId), ("domain_id", domainId))).FirstOrDefault();

    private static string? StatusName(RecordStatus? status) => status switch
    {
        RecordStatus.Ok => "ok",
        RecordStatus.Missing => "missing",
        RecordStatus.Wrong => "wrong",
        _ => null,
    };

    private static RecordStatus? ParseStatus(string? text) => text switch
    {
        "ok" => RecordStatus.Ok,
        "missing" => RecordStatus.Missing,
        "wrong" => RecordStatus.Wrong,
        _ => null,
    };
}
