using System.Net;
using System.Text.Json;
using HostedMail.Core.Audit;
using Npgsql;

namespace HostedMail.Storage.Stores;

internal sealed class PostgresAuditLog(NpgsqlDataSource dataSource) : IAuditLog
{
    public async Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Db.InsertAuditAsync(connection, transaction, entry, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AuditRecord>> ListAsync(long? tenantId, AuditFilter filter, int offset, int limit, long? beforeAuditId, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, $"""
            SELECT audit_id, tenant_id, occurred_at, actor, remote_addr, action, target, details::text FROM audit_log
            WHERE {Where(tenantId, filter, beforeAuditId)}
            ORDER BY audit_id DESC OFFSET @offset LIMIT @limit
            """, Map, cancellationToken, [.. Parameters(tenantId, filter, beforeAuditId), ("offset", Math.Max(0, offset)), ("limit", Math.Clamp(limit, 1, 1001))]);

    public async Task<int> CountAsync(long? tenantId, AuditFilter filter, long? beforeAuditId, CancellationToken cancellationToken) =>
        (int)(await Db.QueryAsync(dataSource, $"""
            SELECT count(*) FROM audit_log
            WHERE {Where(tenantId, filter, beforeAuditId)}
            """, r => r.GetInt64(0), cancellationToken, Parameters(tenantId, filter, beforeAuditId)))[0];

    public async Task<IReadOnlyList<string>> ListActionsAsync(long? tenantId, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, $"""
            SELECT DISTINCT action FROM audit_log
            WHERE {Db.Filter(tenantId is not null, "tenant_id = @tenant_id")}
            ORDER BY action
            """, r => r.GetString(0), cancellationToken, ("tenant_id", tenantId));

    // One WHERE for the list and its count, so the total always counts what the pages hold.
    // Substring matches use strpos, not LIKE, so a % or _ typed by a reader matches itself.
    private static string Where(long? tenantId, AuditFilter filter, long? beforeAuditId) => string.Join(" AND ",
        Db.Filter(tenantId is not null, "tenant_id = @tenant_id"),
        Db.Filter(beforeAuditId is not null, "audit_id < @before"),
        Db.Filter(filter.Action is not null, "(action = @action OR split_part(action, '.', 1) = @action)"),
        Db.Filter(filter.Actor is not null, "strpos(lower(actor), lower(@actor)) > 0"),
        Db.Filter(filter.Target is not null, "strpos(lower(target), lower(@target)) > 0"),
        Db.Filter(filter.Since is not null, "occurred_at >= @since"),
        Db.Filter(filter.Until is not null, "occurred_at < @until"));

    private static (string Name, object? Value)[] Parameters(long? tenantId, AuditFilter filter, long? beforeAuditId) =>
    [
        ("tenant_id", tenantId), ("before", beforeAuditId), ("action", filter.Action), ("actor", filter.Actor),
        ("target", filter.Target), ("since", filter.Since), ("until", filter.Until),
    ];

    private static AuditRecord Map(NpgsqlDataReader r) => new(
        r.GetInt64(0), Db.Nullable<long>(r, 1), r.GetFieldValue<DateTimeOffset>(2), r.GetString(3),
        r.IsDBNull(4) ? null : r.GetFieldValue<IPAddress>(4), r.GetString(5), r.GetString(6),
        r.IsDBNull(7) ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(7)));
}
