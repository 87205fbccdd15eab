using HostedMail.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HostedMail.Storage.Stores;

/// <summary>
/// Deletes blobs (message content) that no message and no outbound message refers to any more,
/// hourly: a message's content goes when its last copy is expunged, its folder, mailbox or domain
/// is deleted, or its sent copy's tracking record expires (migration 0100). Every node runs it; two
/// deleting the same blob at once only repeat work.
/// </summary>
/// <remarks>
/// Implementation notes: ref_count says which blobs to look at (the partial index of those at 0);
/// the references themselves decide: a blob is deleted only while no row of messages or
/// outbound_messages names it, so a count that went wrong leaks a blob at worst, never loses one.
/// No grace period is needed: every writer that adds a reference either brings the content
/// (delivery and APPEND upsert the blob with its bytes, so a blob deleted a moment before is written
/// again) or copies a message that holds the blob (COPY), and the DELETE re-checks ref_count
/// against a concurrent increment. Candidates are walked in key order, so blobs that stay
/// referenced (a sent message's, until its tracking record goes) never starve the rest.
/// </remarks>
internal sealed partial class UnreferencedBlobCollector(NpgsqlDataSource dataSource, TimeProvider time, ILogger<UnreferencedBlobCollector> logger) : BackgroundService
{
    /// <summary>Blobs looked at per statement.</summary>
    internal int BatchSize { get; init; } = 1000;

    private const string CandidatesSql = """
        SELECT tenant_id, sha256 FROM blobs WHERE ref_count <= 0 AND (tenant_id, sha256) > (@tenant_id, @sha256)
        ORDER BY tenant_id, sha256 LIMIT @limit
        """;

    private const string DeleteSql = """
        DELETE FROM blobs b USING unnest(@tenant_ids, @sha256s) AS c(tenant_id, sha256)
        WHERE b.tenant_id = c.tenant_id AND b.sha256 = c.sha256 AND b.ref_count <= 0
          AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.tenant_id = b.tenant_id AND m.blob_sha256 = b.sha256)
          AND NOT EXISTS (SELECT 1 FROM outbound_messages o WHERE o.tenant_id = b.tenant_id AND o.blob_sha256 = b.sha256)
        """;

    // The first pass an hour after start, not at once: a restart loop does not rescan each time.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicWork.RunAsync(TimeSpan.FromHours(1), time, atStart: false, async cancellationToken =>
        {
            var deleted = await CollectAsync(cancellationToken);
            if (deleted > 0)
            {
                Collected(logger, deleted);
            }
        }, ex => CollectFailed(logger, ex), stoppingToken);

    /// <summary>One pass over every blob whose count is at 0; the number deleted.</summary>
    internal async Task<int> CollectAsync(CancellationToken cancellationToken)
    {
        var deleted = 0;
        (long Tenant, byte[] Sha256) after = (0, []);
        while (true)
        {
            var batch = await Db.QueryAsync(dataSource, CandidatesSql, r => (Tenant: r.GetInt64(0), Sha256: r.GetFieldValue<byte[]>(1)), cancellationToken,
                ("tenant_id", after.Tenant), ("sha256", after.Sha256), ("limit", BatchSize));
            if (batch.Count == 0)
            {
                return deleted;
            }

            deleted += await DeleteAsync(batch, cancellationToken);
            after = batch[^1];
        }
    }

    private async Task<int> DeleteAsync(List<(long Tenant, byte[] Sha256)> blobs, CancellationToken cancellationToken)
    {
        try
        {
            return await Db.ExecuteAsync(dataSource, DeleteSql, cancellationToken, ("tenant_ids", blobs.Select(b => b.Tenant).ToArray()), ("sha256s", blobs.Select(b => b.Sha256).ToArray()));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation && blobs.Count > 1)
        {
            // A reference committed after the NOT EXISTS looked (possible only where ref_count is
            // wrong): the blob stays; the others of the batch go one by one.
            var deleted = 0;
            foreach (var blob in blobs)
            {
                deleted += await DeleteAsync([blob], cancellationToken);
            }

            return deleted;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return 0;
        }
    }

    [LoggerMessage(EventId = 7301, Level = LogLevel.Information, Message = "Deleted {Blobs} blobs no message refers to any more")]
    private static partial void Collected(ILogger logger, int blobs);

    [LoggerMessage(EventId = 7302, Level = LogLevel.Warning, Message = "Collecting unreferenced blobs failed; next try in an hour")]
    private static partial void CollectFailed(ILogger logger, Exception exception);
}
