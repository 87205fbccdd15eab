using System.Threading.Channels;
using HostedMail.Core;
using HostedMail.Core.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace HostedMail.Storage.Stores;

/// <summary>
/// Stores messages with group commit: requests from concurrent sessions are queued and written
/// by a few writer loops, many requests to one transaction and one round trip, so the cost of a
/// durable commit (the WAL flush) is shared. Each caller's task completes only after the
/// transaction holding its message committed.
/// </summary>
// Implementation notes:
// - Lock order is global: blob rows (by tenant, sha256), then folder and mailbox rows (by tenant,
//   mailbox, folder role), so concurrent batches cannot deadlock one another. A deadlock or
//   serialisation error still retries the batch.
// - A batch that fails, or in which a delivery found no folder (mailbox deleted meanwhile), is
//   rolled back and its requests run one by one, so one bad request never fails its neighbours.
// - UID and MODSEQ come from the folder row with UPDATE ... RETURNING inside the same statement
//   that inserts the message, so counts and uid_next change in the transaction of the message.
internal sealed class PostgresMessageStore : IMessageStore, IAsyncDisposable
{
    private const int MaximumBatchRequests = 128;
    private const long MaximumBatchBytes = 32L << 20;
    private const int Writers = 2;

    private static readonly string UpsertBlobSql = $"""
        INSERT INTO blobs (tenant_id, sha256, size, data, ref_count, header, envelope, body_structure, views_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, {CachedViewsSql.Version})
        ON CONFLICT (tenant_id, sha256) DO UPDATE SET ref_count = blobs.ref_count + EXCLUDED.ref_count, header = coalesce(blobs.header, EXCLUDED.header),
            {CachedViewsSql.UpsertAssignments}
        """;

    private const string DeliverSql = $"""
        WITH target AS (
            SELECT folder_id FROM folders
            WHERE tenant_id = $1 AND mailbox_id = $2 AND (CASE WHEN $3::text IS NULL THEN name = 'INBOX' ELSE special_use = $3 END)
            ORDER BY folder_id LIMIT 1
        ), f AS (
            UPDATE folders SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1, message_count = message_count + 1,
                unseen_count = unseen_count + CASE WHEN ($5::int & 1) = 0 THEN 1 ELSE 0 END, total_size = total_size + $4
            WHERE tenant_id = $1 AND folder_id = (SELECT folder_id FROM target)
            RETURNING folder_id, uid_next - 1 AS uid, highest_modseq AS modseq
        ), m AS (
            UPDATE mailboxes SET used_bytes = used_bytes + $4 WHERE tenant_id = $1 AND mailbox_id = $2 AND EXISTS (SELECT 1 FROM f)
        ), ins AS (
            INSERT INTO messages (tenant_id, mailbox_id, folder_id, uid, modseq, blob_sha256, size, internal_date, flags, keywords,
                                  subject, sent_date, from_address, message_id_hdr)
            SELECT $1, $2, f.folder_id, f.uid, f.modseq, $6, $4, $7, $5, $8, $9, $10, $11, $12 FROM f
            RETURNING folder_id, uid, modseq
        )
        SELECT folder_id, uid, modseq FROM ins
        """;

    private const string QueueSql = """
        WITH q AS (
            INSERT INTO outbound_messages (tenant_id, mailbox_id, envelope_from, blob_sha256, size, envid, ret, require_tls, smtputf8, expires_at, content_offset, message_id_hdr, subject)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $15, $16, $17)
            RETURNING queue_id
        ), r AS (
            INSERT INTO outbound_recipients (tenant_id, queue_id, recipient, domain, notify, orcpt)
            SELECT $1, q.queue_id, x.recipient, x.domain, x.notify, x.orcpt
            FROM q, unnest($11::text[], $12::text[], $13::text[], $14::text[]) AS x(recipient, domain, notify, orcpt)
        )
        SELECT queue_id FROM q
        """;

    private readonly NpgsqlDataSource dataSource;
    private readonly IFolderChangeNotifier notifier;
    private readonly ILogger logger;
    private readonly Channel<PendingStore> queue = Channel.CreateUnbounded<PendingStore>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Task[] writers;

    public PostgresMessageStore(NpgsqlDataSource dataSource, IFolderChangeNotifier notifier, ILogger<PostgresMessageStore>? logger = null)
    {
        this.dataSource = dataSource;
        this.notifier = notifier;
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        writers = Enumerable.Range(0, Writers).Select(_ => Task.Run(WriteLoopAsync)).ToArray();
    }

    public Task<StoreResult> StoreAsync(StoreRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        if (request.Deliveries.Count == 0 && request.Outbound.Count == 0)
        {
            return Task.FromResult(new StoreResult([], []));
        }

        if (request.Outbound.Any(o => o.ContentOffset < 0 || o.ContentOffset > request.Message.Size))
        {
            throw new ArgumentOutOfRangeException(nameof(request), "an outbound content offset lies outside the message");
        }

        // Once queued the store goes ahead: a commit cannot be half-cancelled, and a message
        // stored but not acknowledged is at worst delivered twice, never lost.
        var pending = new PendingStore(request);
        if (!queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(PostgresMessageStore));
        }

        return pending.Completion.Task;
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await Task.WhenAll(writers);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingStore>();
        while (await queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            long bytes = 0;
            while (batch.Count < MaximumBatchRequests && bytes < MaximumBatchBytes && queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
                bytes += next.Request.Message.Size;
            }

            if (batch.Count > 0)
            {
                await CommitAsync(batch);
            }
        }
    }

    private async Task CommitAsync(List<PendingStore> batch)
    {
        try
        {
            var results = await ExecuteWithRetryAsync(batch);
            if (results is not null)
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    // Committed: the mailbox's sessions are told (one-way, no wait), then the caller.
                    foreach (var d in results[i].Deliveries)
                    {
                        notifier.Changed(d.TenantId, d.MailboxId, d.FolderId, d.ModSeq);
                    }

                    batch[i].Completion.TrySetResult(results[i]);
                }

                return;
            }
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            logger.LogWarning(ex, "Group commit of {Count} messages failed; storing them one by one", batch.Count);
        }
        catch (Exception ex)
        {
            batch[0].Completion.TrySetException(ex);
            return;
        }

        if (batch.Count == 1)
        {
            batch[0].Completion.TrySetException(HostedMailException.NotFound("the mailbox no longer exists"));
            return;
        }

        foreach (var single in batch)
        {
            await CommitAsync([single]);
        }
    }

    /// <summary>Runs the batch in one transaction; null when a delivery found no folder (rolled back).</summary>
    private async Task<StoreResult[]?> ExecuteWithRetryAsync(List<PendingStore> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ExecuteAsync(batch);
            }
            catch (PostgresException ex) when (ex.IsTransient && attempt < 3)
            {
                logger.LogInformation("Retrying a message batch after {SqlState}", ex.SqlState);
            }
        }
    }

    private async Task<StoreResult[]?> ExecuteAsync(List<PendingStore> batch)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlBatch(connection, transaction);

        // Blobs: one upsert per (tenant, sha256) with the number of references this batch adds.
        var blobs = new SortedDictionary<(long Tenant, string Sha), (MessageData Data, int Refs)>();
        foreach (var p in batch)
        {
            var tenants = p.Request.Deliveries.Select(d => d.TenantId).Concat(p.Request.Outbound.Select(o => o.TenantId));
            foreach (var tenant in tenants)
            {
                var key = (tenant, Convert.ToHexString(p.Request.Message.Sha256));
                blobs[key] = blobs.TryGetValue(key, out var existing) ? (existing.Data, existing.Refs + 1) : (p.Request.Message, 1);
            }
        }

        foreach (var ((tenant, _), (data, refs)) in blobs)
        {
            command.BatchCommands.Add(Statement(UpsertBlobSql, tenant, data.Sha256, data.Size, data.Bytes, refs, data.Header, data.Summary.Envelope, data.Summary.BodyStructure));
        }

        // Deliveries in global lock order; remember where each result goes.
        var deliveries = batch
            .SelectMany((p, requestIndex) => p.Request.Deliveries.Select((d, deliveryIndex) => (d, p.Request.Message, requestIndex, deliveryIndex)))
            .OrderBy(x => x.d.TenantId).ThenBy(x => x.d.MailboxId).ThenBy(x => x.d.SpecialUse, StringComparer.Ordinal)
            .ToList();
        foreach (var (d, message, _, _) in deliveries)
        {
            var s = message.Summary;
            command.BatchCommands.Add(Statement(DeliverSql, d.TenantId, d.MailboxId, (object?)d.SpecialUse, message.Size, (int)d.Flags, message.Sha256,
                d.InternalDate, d.Keywords.ToArray(), s.Subject, s.SentDate, s.FromAddress, s.MessageId));
        }

        var outbound = batch.SelectMany((p, requestIndex) => p.Request.Outbound.Select(o => (o, p.Request.Message, requestIndex))).ToList();
        foreach (var (o, message, _) in outbound)
        {
            command.BatchCommands.Add(Statement(QueueSql, o.TenantId, o.MailboxId, o.EnvelopeFrom, message.Sha256, message.Size - o.ContentOffset, o.EnvId, o.Ret, o.RequireTls, o.SmtpUtf8, o.ExpiresAt,
                o.Recipients.Select(r => r.Address).ToArray(), o.Recipients.Select(r => DomainOf(r.Address)).ToArray(),
                o.Recipients.Select(r => r.Notify).ToArray(), o.Recipients.Select(r => r.OriginalRecipient).ToArray(), o.ContentOffset,
                message.Summary.MessageId, message.Summary.Subject));
        }

        var delivered = batch.Select(p => new DeliveredMessage[p.Request.Deliveries.Count]).ToArray();
        var queued = batch.Select(p => new List<long>()).ToArray();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            // Blob upserts return no rows; Npgsql skips their result sets.
            foreach (var (d, _, requestIndex, deliveryIndex) in deliveries)
            {
                if (!await reader.ReadAsync())
                {
                    return null;
                }

                delivered[requestIndex][deliveryIndex] = new DeliveredMessage(d.TenantId, d.MailboxId, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
                await reader.NextResultAsync();
            }

            foreach (var (_, _, requestIndex) in outbound)
            {
                await reader.ReadAsync();
                queued[requestIndex].Add(reader.GetInt64(0));
                await reader.NextResultAsync();
            }
        }

        await transaction.CommitAsync();
        return batch.Select((_, i) => new StoreResult(delivered[i], queued[i])).ToArray();
    }

    private static string DomainOf(string address) => address[(address.LastIndexOf('@') + 1)..].ToLowerInvariant();

    private static NpgsqlBatchCommand Statement(string sql, params object?[] values)
    {
        var statement = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            statement.Parameters.Add(Db.Parameter(null, value));
        }

        return statement;
    }

    private sealed class PendingStore(StoreRequest request)
    {
        public StoreRequest Request { get; } = request;

        public TaskCompletionSource<StoreResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
