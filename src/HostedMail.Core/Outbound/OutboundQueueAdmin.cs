using HostedMail.Core.Audit;

namespace HostedMail.Core.Outbound;

/// <summary>
/// The outbound queue as an operator sees it (<c>hostedmail queue ...</c>): every tenant's
/// messages, one at a time or by page. Deliberately cross-tenant, like the workers' claim.
/// </summary>
public interface IOutboundQueueAdmin
{
    /// <summary>Messages in queue-id order after <see cref="QueueListFilter.AfterQueueId"/>, at most <see cref="QueueListFilter.Limit"/>.</summary>
    Task<IReadOnlyList<QueueListEntry>> ListAsync(QueueListFilter filter, CancellationToken cancellationToken);

    /// <summary>One message with every recipient's state, or null when there is no such queue id.</summary>
    Task<QueueMessageDetails?> GetAsync(long queueId, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the message's waiting recipients due now (a recipient a worker is delivering right
    /// now keeps its claim); returns how many became due, or null when there is no such queue id.
    /// </summary>
    Task<int?> RetryAsync(long queueId, DateTimeOffset now, Func<long, AuditEntry> audit, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the message, its recipients and its delivery log without any notification to the
    /// sender (like Postfix <c>postsuper -d</c>); false when there is no such queue id.
    /// </summary>
    Task<bool> DeleteAsync(long queueId, Func<long, AuditEntry> audit, CancellationToken cancellationToken);

    /// <summary>Recipients waiting in the whole queue and the creation time of the oldest message among them (metrics; one index-backed aggregate).</summary>
    Task<QueueSummary> SummarizeAsync(CancellationToken cancellationToken);
}

/// <summary>The queue at a glance: recipients still queued, and when the oldest message with one was queued (null when none waits).</summary>
public sealed record QueueSummary(long QueuedRecipients, DateTimeOffset? OldestQueuedAt);

/// <summary>Which messages <see cref="IOutboundQueueAdmin.ListAsync"/> returns.</summary>
/// <param name="State">Messages with at least one recipient in this state (queued, delivered, failed, expired); null for all.</param>
/// <param name="Domain">Messages with a recipient (in <paramref name="State"/>, when given) at this domain.</param>
/// <param name="TenantId">Only this tenant's messages.</param>
/// <param name="AfterQueueId">Paging: messages after this queue id.</param>
public sealed record QueueListFilter(string? State, string? Domain, long? TenantId, long AfterQueueId, int Limit)
{
    /// <summary>The recipient states a message can be listed by.</summary>
    public static IReadOnlyList<string> States { get; } = ["queued", "delivered", "failed", "expired"];
}

/// <summary>One message of the queue with counts of its recipients by state.</summary>
public sealed record QueueListEntry(
    long TenantId,
    long QueueId,
    string EnvelopeFrom,
    long Size,
    DateTimeOffset CreatedAt,
    int Recipients,
    int Queued,
    int Delivered,
    int Failed,
    DateTimeOffset? NextAttemptAt,
    int Attempts,
    string? LastReply);

/// <summary>One message of the queue with its envelope and recipients.</summary>
public sealed record QueueMessageDetails(
    long TenantId,
    long QueueId,
    long? MailboxId,
    string EnvelopeFrom,
    long Size,
    string? EnvId,
    string? Ret,
    bool RequireTls,
    bool SmtpUtf8,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? FinishedAt,
    IReadOnlyList<QueueRecipientDetails> Recipients);

/// <summary>One recipient: its state, attempts so far, when it is tried next, the last reply, and the node delivering it now (if any).</summary>
public sealed record QueueRecipientDetails(string Address, string State, int Attempts, DateTimeOffset NextAttemptAt, string? LastReply, string? ClaimedBy);
