using HostedMail.Core.Audit;
using HostedMail.Core.Outbound;
using Npgsql;

namespace HostedMail.Storage.Stores;

/// <summary>The operator's view of the outbound queue (list, show, retry, delete) across tenants.</summary>
// Implementation notes:
// - Operator commands name a message by queue id alone; the tenant is read first (index from
//   migration 0067) and every other statement filters by tenant_id like all the others.
// - Retry never touches a recipient a worker holds (claim_token set and its lease not over):
//   making it due again would let a second node deliver it twice.
// - Delete locks the message row the same way RecordAsync does, so exactly one of them releases
//   the blob reference: RecordAsync when it finished the message first, Delete otherwise.
internal sealed class PostgresOutboundQueueAdmin(NpgsqlDataSource dataSource) : IOutboundQueueAdmin
{
    private const string TenantOfSql = "SELECT tenant_id FROM outbound_messages WHERE queue_id = @queue_id";

    // The page is chosen first (queue-id order, index from 0067, filters as EXISTS on the
    // recipients' primary key), and only its messages are aggregated: a long delivered history
    // costs nothing to a page of the queue.
    private static string ListSql(bool byState, bool byDomain, bool byTenant) => $"""
        WITH page AS (
            SELECT m.tenant_id, m.queue_id, m.envelope_from, m.size, m.created_at
            FROM outbound_messages m
            WHERE m.queue_id > @after AND {Db.Filter(byTenant, "m.tenant_id = @tenant_id")}
              AND {Db.Filter(byState || byDomain, $"""
                  EXISTS (SELECT 1 FROM outbound_recipients x WHERE x.tenant_id = m.tenant_id AND x.queue_id = m.queue_id
                          AND {Db.Filter(byState, "x.state = @state")} AND {Db.Filter(byDomain, "x.domain = @domain")})
                  """)}
            ORDER BY m.queue_id
            LIMIT @limit
        )
        SELECT p.tenant_id, p.queue_id, p.envelope_from, p.size, p.created_at,
               count(*)::int,
               (count(*) FILTER (WHERE r.state = 'queued'))::int,
               (count(*) FILTER (WHERE r.state = 'delivered'))::int,
               (count(*) FILTER (WHERE r.state IN ('failed', 'expired')))::int,
               min(r.next_attempt_at) FILTER (WHERE r.state = 'queued'),
               max(r.attempts),
               (array_agg(r.last_reply ORDER BY r.updated_at DESC) FILTER (WHERE r.last_reply IS NOT NULL))[1]
        FROM page p
        JOIN outbound_recipients r ON r.tenant_id = p.tenant_id AND r.queue_id = p.queue_id
        GROUP BY p.tenant_id, p.queue_id, p.envelope_from, p.size, p.created_at
        ORDER BY p.queue_id
        """;

    private const string MessageSql = """
        SELECT tenant_id, queue_id, mailbox_id, envelope_from, size, envid, ret, require_tls, smtputf8, created_at, expires_at, finished_at
        FROM outbound_messages WHERE tenant_id = @tenant_id AND queue_id = @queue_id
        """;

    private const string RecipientsSql = """
        SELECT recipient, state, attempts, next_attempt_at, last_reply, claimed_by
        FROM outbound_recipients WHERE tenant_id = @tenant_id AND queue_id = @queue_id ORDER BY recipient
        """;

    private const string RetrySql = """
        UPDATE outbound_recipients SET next_attempt_at = @now, updated_at = @now
        WHERE tenant_id = @tenant_id AND queue_id = @queue_id AND state = 'queued'
          AND (claim_token IS NULL OR next_attempt_at <= @now)
        """;

    private const string DeleteSql = """
        WITH gone AS (
            DELETE FROM outbound_messages WHERE tenant_id = @tenant_id AND queue_id = @queue_id
            RETURNING blob_sha256, finished_at
        ), released AS (
            UPDATE blobs b SET ref_count = b.ref_count - 1 FROM gone
            WHERE b.tenant_id = @tenant_id AND b.sha256 = gone.blob_sha256 AND gone.finished_at IS NULL
        )
        SELECT count(*)::int FROM gone
        """;

    private const string LockMessageSql = "SELECT 1 FROM outbound_messages WHERE tenant_id = @tenant_id AND queue_id = @queue_id FOR UPDATE";

    public async Task<IReadOnlyList<QueueListEntry>> ListAsync(QueueListFilter filter, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, ListSql(filter.State is not null, filter.Domain is not null, filter.TenantId is not null),
            r => new QueueListEntry(r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetInt64(3), r.GetFieldValue<DateTimeOffset>(4),
                r.GetInt32(5), r.GetInt32(6), r.GetInt32(7), r.GetInt32(8), Db.Nullable<DateTimeOffset>(r, 9), r.GetInt32(10), Db.NullableString(r, 11)),
            cancellationToken, ("after", filter.AfterQueueId), ("tenant_id", filter.TenantId), ("state", filter.State), ("domain", filter.Domain), ("limit", filter.Limit));

    // Cluster-wide on purpose (the operator's view, like ListAsync). The partial index
    // outbound_recipients_due_idx holds exactly the queued recipients, so this reads the queue,
    // never the delivered history.
    private const string SummarySql = """
        SELECT count(*), min(m.created_at)
        FROM outbound_recipients r
        JOIN outbound_messages m ON m.tenant_id = r.tenant_id AND m.queue_id = r.queue_id
        WHERE r.state = 'queued'
        """;

    public async Task<QueueSummary> SummarizeAsync(CancellationToken cancellationToken)
    {
        var rows = await Db.QueryAsync(dataSource, SummarySql, r => new QueueSummary(r.GetInt64(0), Db.Nullable<DateTimeOffset>(r, 1)), cancellationToken);
        return rows[0];
    }

    public async Task<QueueMessageDetails?> GetAsync(long queueId, CancellationToken cancellationToken)
    {
        if (await TenantOfAsync(queueId, cancellationToken) is not { } tenantId)
        {
            return null;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var messages = await Db.QueryAsync(connection, transaction, MessageSql,
            r => (TenantId: r.GetInt64(0), QueueId: r.GetInt64(1), MailboxId: Db.Nullable<long>(r, 2), From: r.GetString(3), Size: r.GetInt64(4),
                EnvId: Db.NullableString(r, 5), Ret: Db.NullableString(r, 6), RequireTls: r.GetBoolean(7), SmtpUtf8: r.GetBoolean(8),
                Created: r.GetFieldValue<DateTimeOffset>(9), Expires: r.GetFieldValue<DateTimeOffset>(10), Finished: Db.Nullable<DateTimeOffset>(r, 11)),
            cancellationToken, ("tenant_id", tenantId), ("queue_id", queueId));
        if (messages.Count == 0)
        {
            return null;
        }

        var recipients = await Db.QueryAsync(connection, transaction, RecipientsSql,
            r => new QueueRecipientDetails(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetFieldValue<DateTimeOffset>(3), Db.NullableString(r, 4), Db.NullableString(r, 5)),
            cancellationToken, ("tenant_id", tenantId), ("queue_id", queueId));
        await transaction.CommitAsync(cancellationToken);
        var m = messages[0];
        return new QueueMessageDetails(m.TenantId, m.QueueId, m.MailboxId, m.From, m.Size, m.EnvId, m.Ret, m.RequireTls, m.SmtpUtf8, m.Created, m.Expires, m.Finished, recipients);
    }

    public async Task<int?> RetryAsync(long queueId, DateTimeOffset now, Func<long, AuditEntry> audit, CancellationToken cancellationToken)
    {
        if (await TenantOfAsync(queueId, cancellationToken) is not { } tenantId)
        {
            return null;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        int count;
        await using (var command = Db.Command(connection, transaction, RetrySql, ("now", now), ("tenant_id", tenantId), ("queue_id", queueId)))
        {
            count = await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await Db.InsertAuditAsync(connection, transaction, audit(tenantId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return count;
    }

    public async Task<bool> DeleteAsync(long queueId, Func<long, AuditEntry> audit, CancellationToken cancellationToken)
    {
        if (await TenantOfAsync(queueId, cancellationToken) is not { } tenantId)
        {
            return false;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, transaction, LockMessageSql, cancellationToken, ("tenant_id", tenantId), ("queue_id", queueId));
        var deleted = (await Db.QueryAsync(connection, transaction, DeleteSql, r => r.GetInt32(0), cancellationToken, ("tenant_id", tenantId), ("queue_id", queueId)))[0];
        if (deleted == 0)
        {
            return false;
        }

        await Db.InsertAuditAsync(connection, transaction, audit(tenantId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private async Task<long?> TenantOfAsync(long queueId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, TenantOfSql, r => r.GetInt64(0), cancellationToken, ("queue_id", queueId))).Cast<long?>().FirstOrDefault();
}
