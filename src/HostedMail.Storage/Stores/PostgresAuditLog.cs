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

    public async Task<IReadOnlyList<AuditRecord>> ListAsync(long? tenantId, int offset, int limit, long? beforeAuditId, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, $"""
            SELECT audit_id, tenant_id, occurred_at, actor, remote_addr, action, target, details::text FROM audit_log
            WHERE {Db.Filter(tenantId is not null, "tenant_id = @tenant_id")} AND {Db.Filter(beforeAuditId is not null, "audit_id < @before")}
            ORDER BY audit_id DESC OFFSET @offset LIMIT @limit
            """, Map, cancellationToken, ("tenant_id", tenantId), ("before", beforeAuditId), ("offset", Math.Max(0, offset)), ("limit", Math.Clamp(limit, 1, 1001)));

    public async Task<int> CountAsync(long? tenantId, long? beforeAuditId, CancellationToken cancellationToken) =>
        (int)(await Db.QueryAsync(dataSource, $"""
            SELECT count(*) FROM audit_log
            WHERE {Db.Filter(tenantId is not null, "tenant_id = @tenant_id")} AND {Db.Filter(beforeAuditId is not null, "audit_id < @before")}
            """, r => r.GetInt64(0), cancellationToken, ("tenant_id", tenantId), ("before", beforeAuditId)))[0];

    private static AuditRecord Map(NpgsqlDataReader r) => new(
        r.GetInt64(0), Db.Nullable<long>(r, 1), r.GetFieldValue<DateTimeOffset>(2), r.GetString(3),
        r.IsDBNull(4) ? null : r.GetFieldValue<IPAddress>(4), r.GetString(5), r.GetString(6),
        r.IsDBNull(7) ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(7)));
}
