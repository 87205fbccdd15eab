using HostedMail.Core.Outbound;
using Npgsql;

namespace HostedMail.Storage.Stores;

/// <summary>Message tracking over the outbound queue, its delivery log and the delivered copies in INBOX and Junk.</summary>
// Implementation notes:
// - Every statement filters by tenant_id first; the time window uses outbound_messages'
//   (tenant_id, created_at) index (0060) and messages' (0090), a Message-ID the partial indexes of 0090.
// - Received mail is the copies in INBOX and Junk, where deliveries land: a copy a client
//   appends to Sent or moves elsewhere is not a delivery (and one moved out of INBOX drops out).
// - The page is chosen first (one statement over both sources), and only its outbound messages'
//   recipients and attempts are read: a long history costs nothing to one page.
internal sealed class PostgresMessageTracking(NpgsqlDataSource dataSource) : IMessageTracking
{
    private static string HitsSql(TrackingField field) => $"""
        WITH hits AS (
            SELECT 0 AS kind, m.queue_id AS id, m.created_at AS at, m.envelope_from AS sender, m.message_id_hdr, m.subject, m.size,
                   NULL::text AS mailbox, NULL::text AS folder
            FROM outbound_messages m
            WHERE m.tenant_id = @tenant_id AND m.created_at >= @since AND {field switch
            {
                TrackingField.Recipient => """
                    EXISTS (SELECT 1 FROM outbound_recipients r WHERE r.tenant_id = m.tenant_id AND r.queue_id = m.queue_id AND r.recipient ILIKE @pattern ESCAPE '\')
                    """,
                TrackingField.Sender => @"m.envelope_from ILIKE @pattern ESCAPE '\'",
                _ => "m.message_id_hdr IN (@message_id, '<' || @message_id || '>')",
            }}
            UNION ALL
            SELECT 1, x.message_id, x.created_at, coalesce(x.from_address, ''), x.message_id_hdr, x.subject, x.size, b.address, f.name
            FROM messages x
            JOIN folders f ON f.tenant_id = x.tenant_id AND f.folder_id = x.folder_id
            JOIN mailboxes b ON b.tenant_id = x.tenant_id AND b.mailbox_id = x.mailbox_id
            WHERE x.tenant_id = @tenant_id AND x.created_at >= @since AND (f.name = 'INBOX' OR f.special_use = '\Junk') AND {field switch
            {
                TrackingField.Recipient => @"b.address ILIKE @pattern ESCAPE '\'",
                TrackingField.Sender => @"x.from_address ILIKE @pattern ESCAPE '\'",
                _ => "x.message_id_hdr IN (@message_id, '<' || @message_id || '>')",
            }}
        )
        """;

    private static string PageSql(TrackingField field) => HitsSql(field) + """
        SELECT kind, id, at, sender, message_id_hdr, subject, size, mailbox, folder FROM hits
        ORDER BY at DESC, kind, id DESC OFFSET @offset LIMIT @limit
        """;

    private static string CountSql(TrackingField field) => HitsSql(field) + "SELECT count(*)::int FROM hits";

    private const string RecipientsSql = """
        SELECT queue_id, recipient, state, attempts, next_attempt_at, last_reply, notify, delay_notified
        FROM outbound_recipients WHERE tenant_id = @tenant_id AND queue_id = ANY(@queue_ids)
        ORDER BY queue_id, recipient
        """;

    private const string AttemptsSql = """
        SELECT queue_id, recipient, attempted_at, outcome, node, remote_host, remote_ip, reply, tls_protocol, tls_cipher, duration_ms
        FROM outbound_delivery_log WHERE tenant_id = @tenant_id AND queue_id = ANY(@queue_ids)
        ORDER BY log_id
        """;

    public async Task<TrackingPage> SearchAsync(long tenantId, TrackingQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var text = query.Text.Trim();
        var parameters = new (string, object?)[]
        {
            ("tenant_id", tenantId), ("since", query.Since), ("offset", query.Offset), ("limit", query.Limit),
            ("pattern", "%" + EscapeLike(text) + "%"), ("message_id", text.Trim('<', '>')),
        };

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var hits = await Db.QueryAsync(connection, transaction, PageSql(query.Field),
            r => (Kind: r.GetInt32(0) == 0 ? TrackedKind.Outbound : TrackedKind.Received, Id: r.GetInt64(1), At: r.GetFieldValue<DateTimeOffset>(2), Sender: r.GetString(3),
                MessageId: Db.NullableString(r, 4), Subject: Db.NullableString(r, 5), Size: r.GetInt64(6), Mailbox: Db.NullableString(r, 7), Folder: Db.NullableString(r, 8)),
            cancellationToken, parameters);
        var total = (await Db.QueryAsync(connection, transaction, CountSql(query.Field), r => r.GetInt32(0), cancellationToken, parameters))[0];

        var queueIds = hits.Where(h => h.Kind == TrackedKind.Outbound).Select(h => h.Id).ToArray();
        var recipients = new List<(long QueueId, string Address, string State, int Attempts, DateTimeOffset Next, string? Reply, string? Notify, bool DelayNotified)>();
        var attempts = new List<DeliveryLogEntry>();
        if (queueIds.Length > 0)
        {
            recipients = await Db.QueryAsync(connection, transaction, RecipientsSql,
                r => (r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetFieldValue<DateTimeOffset>(4), Db.NullableString(r, 5), Db.NullableString(r, 6), r.GetBoolean(7)),
                cancellationToken, ("tenant_id", tenantId), ("queue_ids", queueIds));
            attempts = await Db.QueryAsync(connection, transaction, AttemptsSql,
                r => new DeliveryLogEntry(tenantId, r.GetInt64(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), Outcome(r.GetString(3)), r.GetString(4),
                    Db.NullableString(r, 5), Db.NullableString(r, 6), Db.NullableString(r, 7), Db.NullableString(r, 8), Db.NullableString(r, 9), TimeSpan.FromMilliseconds(r.GetInt32(10))),
                cancellationToken, ("tenant_id", tenantId), ("queue_ids", queueIds));
        }

        await transaction.CommitAsync(cancellationToken);

        var attemptsOf = attempts.ToLookup(a => (a.QueueId, a.Recipient));
        var recipientsOf = recipients.ToLookup(r => r.QueueId);
        var items = hits.Select(h => new TrackedMessage(h.Kind, h.Id, h.At, h.Sender, h.MessageId, h.Subject, h.Size, h.Kind == TrackedKind.Outbound
            ? [.. recipientsOf[h.Id].Select(r => new TrackedRecipient(r.Address, r.State, r.Attempts, r.Reply, r.State == "queued" ? r.Next : null, null,
                TrackedNotifications.For(h.Sender, r.State, r.Notify, r.DelayNotified), [.. attemptsOf[(h.Id, r.Address)]]))]
            : [new TrackedRecipient(h.Mailbox!, "delivered", 0, null, null, h.Folder, [], [])])).ToList();
        return new TrackingPage(items, total);
    }

    private static string EscapeLike(string text) => text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);

    private static DeliveryOutcome Outcome(string text) => text switch
    {
        "delivered" => DeliveryOutcome.Delivered,
        "deferred" => DeliveryOutcome.Deferred,
        "failed" => DeliveryOutcome.Failed,
        _ => DeliveryOutcome.Expired,
    };
}
