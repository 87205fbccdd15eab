using HostedMail.Core.Outbound;
using Npgsql;

namespace HostedMail.Storage.Stores;

/// <summary>The outbound queue in PostgreSQL: lease-based claims with FOR UPDATE SKIP LOCKED, per-recipient results, the delivery log.</summary>
// Implementation notes:
// - The claim is one short statement: it locks due rows with SKIP LOCKED (never waits on another
//   node's claim), moves next_attempt_at past the lease and stamps a token. Nothing stays locked
//   while a worker talks SMTP; a node that dies leaves rows that become due again when the lease ends.
// - RecordAsync locks the outbound_messages row first, then updates recipients, so two nodes that
//   finish different recipients of one message at once serialise there, and exactly one of them sees
//   "no recipient left queued" and releases the blob reference. Claims never lock message rows, so
//   the order message -> recipients cannot deadlock with them.
// - Every statement but the claim filters by tenant_id; the claim is the one deliberate
//   cross-tenant read (the queue is shared by all tenants).
internal sealed class PostgresOutboundQueue(NpgsqlDataSource dataSource) : IOutboundQueue
{
    private const string ClaimSql = """
        WITH due AS (
            SELECT tenant_id, queue_id, recipient FROM outbound_recipients
            WHERE state = 'queued' AND next_attempt_at <= @now
            ORDER BY next_attempt_at
            LIMIT @limit
            FOR UPDATE SKIP LOCKED
        )
        UPDATE outbound_recipients r
        SET next_attempt_at = @lease_until, claim_token = @token, claimed_by = @node, updated_at = @now
        FROM due
        WHERE r.tenant_id = due.tenant_id AND r.queue_id = due.queue_id AND r.recipient = due.recipient
        RETURNING r.tenant_id, r.queue_id, r.recipient, r.domain, r.notify, r.orcpt, r.attempts, r.delay_notified
        """;

    private const string ClaimedMessagesSql = """
        SELECT m.tenant_id, m.queue_id, m.mailbox_id, m.envelope_from, m.size, m.envid, m.ret, m.require_tls, m.smtputf8, m.created_at, m.expires_at
        FROM outbound_messages m
        JOIN unnest(@tenants::bigint[], @queues::bigint[]) AS c(tenant_id, queue_id) ON c.tenant_id = m.tenant_id AND c.queue_id = m.queue_id
        """;

    private const string ReadSql = """
        SELECT CASE WHEN m.content_offset = 0 THEN b.data ELSE substring(b.data FROM m.content_offset + 1) END FROM outbound_messages m
        JOIN blobs b ON b.tenant_id = m.tenant_id AND b.sha256 = m.blob_sha256
        WHERE m.tenant_id = @tenant_id AND m.queue_id = @queue_id
        """;

    private const string LockMessageSql = "SELECT 1 FROM outbound_messages WHERE tenant_id = @tenant_id AND queue_id = @queue_id FOR UPDATE";

    private const string UpdateRecipientSql = """
        UPDATE outbound_recipients
        SET state = @state, attempts = attempts + 1, next_attempt_at = COALESCE(@next_attempt_at, next_attempt_at), last_reply = @reply,
            updated_at = @attempted_at, claim_token = NULL, claimed_by = NULL, delay_notified = delay_notified OR @delay_notified
        WHERE tenant_id = @tenant_id AND queue_id = @queue_id AND recipient = @recipient AND claim_token = @token
        """;

    private const string InsertLogSql = """
        INSERT INTO outbound_delivery_log (tenant_id, queue_id, recipient, attempted_at, outcome, node, remote_host, remote_ip, reply, tls_protocol, tls_cipher, duration_ms)
        VALUES (@tenant_id, @queue_id, @recipient, @attempted_at, @outcome, @node, @remote_host, @remote_ip, @reply, @tls_protocol, @tls_cipher, @duration_ms)
        """;

    // A separate statement from the updates, so it sees them: the last result of a message releases its blob.
    private const string FinishSql = """
        WITH done AS (
            UPDATE outbound_messages SET finished_at = @now
            WHERE tenant_id = @tenant_id AND queue_id = @queue_id AND finished_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM outbound_recipients r WHERE r.tenant_id = @tenant_id AND r.queue_id = @queue_id AND r.state = 'queued')
            RETURNING blob_sha256
        )
        UPDATE blobs b SET ref_count = b.ref_count - 1 FROM done WHERE b.tenant_id = @tenant_id AND b.sha256 = done.blob_sha256
        """;

    private static string LogSql(bool byQueueId) => $"""
        SELECT tenant_id, queue_id, recipient, attempted_at, outcome, node, remote_host, remote_ip, reply, tls_protocol, tls_cipher, duration_ms
        FROM outbound_delivery_log
        WHERE tenant_id = @tenant_id AND {Db.Filter(byQueueId, "queue_id = @queue_id")}
        ORDER BY log_id DESC LIMIT @limit
        """;

    private const string CountSql = """
        SELECT count(*)::int, (count(*) FILTER (WHERE mailbox_id = @mailbox_id))::int
        FROM outbound_messages WHERE tenant_id = @tenant_id AND created_at >= @since
        """;

    public async Task<IReadOnlyList<QueuedMessage>> ClaimAsync(string node, DateTimeOffset now, TimeSpan lease, int maxRecipients, CancellationToken cancellationToken)
    {
        var token = Guid.NewGuid();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var claimed = await Db.QueryAsync(connection, transaction, ClaimSql,
            r => (Tenant: r.GetInt64(0), Queue: r.GetInt64(1), Recipient: new QueuedRecipient(r.GetString(2), r.GetString(3),
                r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetInt32(6), r.GetBoolean(7))),
            cancellationToken, ("now", now), ("limit", maxRecipients), ("lease_until", now + lease), ("token", token), ("node", node));
        if (claimed.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return [];
        }

        var keys = claimed.Select(c => (c.Tenant, c.Queue)).Distinct().ToList();
        var messages = await Db.QueryAsync(connection, transaction, ClaimedMessagesSql,
            r => (Tenant: r.GetInt64(0), Queue: r.GetInt64(1), MailboxId: r.IsDBNull(2) ? (long?)null : r.GetInt64(2), From: r.GetString(3), Size: r.GetInt64(4),
                EnvId: r.IsDBNull(5) ? null : r.GetString(5), Ret: r.IsDBNull(6) ? null : r.GetString(6), RequireTls: r.GetBoolean(7), SmtpUtf8: r.GetBoolean(8),
                Created: r.GetFieldValue<DateTimeOffset>(9), Expires: r.GetFieldValue<DateTimeOffset>(10)),
            cancellationToken, ("tenants", keys.Select(k => k.Tenant).ToArray()), ("queues", keys.Select(k => k.Queue).ToArray()));
        await transaction.CommitAsync(cancellationToken);

        var recipients = claimed.ToLookup(c => (c.Tenant, c.Queue), c => c.Recipient);
        return messages
            .Select(m => new QueuedMessage(m.Tenant, m.Queue, m.MailboxId, m.From, m.Size, m.EnvId, m.Ret, m.RequireTls, m.SmtpUtf8, m.Created, m.Expires, token,
                recipients[(m.Tenant, m.Queue)].ToList()))
            .ToList();
    }

    public async Task<byte[]> ReadMessageAsync(long tenantId, long queueId, CancellationToken cancellationToken)
    {
        var rows = await Db.QueryAsync(dataSource, ReadSql, r => r.GetFieldValue<byte[]>(0), cancellationToken, ("tenant_id", tenantId), ("queue_id", queueId));
        return rows.Count == 1 ? rows[0] : throw new InvalidOperationException($"queued message {tenantId}/{queueId} has no blob");
    }

    public async Task<int> RecordAsync(QueuedMessage message, IReadOnlyList<RecipientResult> results, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, transaction, LockMessageSql, cancellationToken, ("tenant_id", message.TenantId), ("queue_id", message.QueueId));
        var accepted = 0;
        foreach (var result in results)
        {
            var state = result.Outcome switch
            {
                DeliveryOutcome.Delivered => "delivered",
                DeliveryOutcome.Deferred => "queued",
                DeliveryOutcome.Failed => "failed",
                _ => "expired",
            };
            await using (var update = Db.Command(connection, transaction, UpdateRecipientSql,
                ("state", state), ("next_attempt_at", result.Outcome == DeliveryOutcome.Deferred ? result.NextAttemptAt : null), ("reply", Truncate(result.Reply)),
                ("attempted_at", result.AttemptedAt), ("delay_notified", result.DelayNotified), ("tenant_id", message.TenantId), ("queue_id", message.QueueId),
                ("recipient", result.Recipient), ("token", message.ClaimToken)))
            {
                if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    continue;
                }
            }

            accepted++;
            await Db.ExecuteAsync(connection, transaction, InsertLogSql, cancellationToken,
                ("tenant_id", message.TenantId), ("queue_id", message.QueueId), ("recipient", result.Recipient), ("attempted_at", result.AttemptedAt),
                ("outcome", result.Outcome.ToString().ToLowerInvariant()), ("node", result.Node), ("remote_host", result.RemoteHost), ("remote_ip", result.RemoteIp),
                ("reply", Truncate(result.Reply)), ("tls_protocol", result.TlsProtocol), ("tls_cipher", result.TlsCipher),
                ("duration_ms", (int)Math.Min(int.MaxValue, result.Duration.TotalMilliseconds)));
        }

        var now = results.Count > 0 ? results.Max(r => r.AttemptedAt) : DateTimeOffset.UtcNow;
        await Db.ExecuteAsync(connection, transaction, FinishSql, cancellationToken, ("now", now), ("tenant_id", message.TenantId), ("queue_id", message.QueueId));
        await transaction.CommitAsync(cancellationToken);
        return accepted;
    }

    public async Task<IReadOnlyList<DeliveryLogEntry>> QueryLogAsync(long tenantId, long? queueId, int limit, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, LogSql(queueId is not null), r => new DeliveryLogEntry(r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3),
                Enum.Parse<DeliveryOutcome>(r.GetString(4), ignoreCase: true), r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7),
                r.IsDBNull(8) ? null : r.GetString(8), r.IsDBNull(9) ? null : r.GetString(9), r.IsDBNull(10) ? null : r.GetString(10), TimeSpan.FromMilliseconds(r.GetInt32(11))),
            cancellationToken, ("tenant_id", tenantId), ("queue_id", queueId), ("limit", limit));

    public async Task<(int Tenant, int Mailbox)> CountSubmittedAsync(long tenantId, long? mailboxId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var rows = await Db.QueryAsync(dataSource, CountSql, r => (r.GetInt32(0), r.GetInt32(1)), cancellationToken,
            ("tenant_id", tenantId), ("mailbox_id", mailboxId ?? -1L), ("since", since));
        return rows[0];
    }

    public Task<int> PruneFinishedAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        Db.ExecuteAsync(dataSource, """
            DELETE FROM outbound_messages o
            USING (SELECT tenant_id, queue_id FROM outbound_messages WHERE finished_at < @before LIMIT @limit) d
            WHERE o.tenant_id = d.tenant_id AND o.queue_id = d.queue_id AND o.finished_at < @before
            """, cancellationToken, ("before", before), ("limit", limit));

    /// <summary>Remote replies are untrusted input of any length; keep what tracking needs.</summary>
    private static string Truncate(string reply) => reply.Length <= 2000 ? reply : reply[..2000];
}
