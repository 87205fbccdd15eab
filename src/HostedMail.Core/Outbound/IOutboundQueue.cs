namespace HostedMail.Core.Outbound;

/// <summary>
/// The outbound queue as the delivery workers see it. Messages enter it with
/// <see cref="Messages.IMessageStore.StoreAsync"/>; workers on every node claim due recipients,
/// deliver them and record one result per recipient.
/// </summary>
/// <remarks>
/// A claim is a lease: it moves the recipients' next attempt past the lease and stamps a token in
/// a short transaction (FOR UPDATE SKIP LOCKED), so no other node takes them while this one
/// delivers, and nothing is held open while talking to the network. Results are accepted only
/// with the claim's token.
/// </remarks>
public interface IOutboundQueue
{
    /// <summary>Claims up to <paramref name="maxRecipients"/> due recipients, grouped by message.</summary>
    Task<IReadOnlyList<QueuedMessage>> ClaimAsync(string node, DateTimeOffset now, TimeSpan lease, int maxRecipients, CancellationToken cancellationToken);

    /// <summary>The bytes of a queued message (already DKIM-signed at submission).</summary>
    Task<byte[]> ReadMessageAsync(long tenantId, long queueId, CancellationToken cancellationToken);

    /// <summary>
    /// Records the results of one attempt for recipients of one claimed message and appends them to
    /// the delivery log, in one transaction. Returns how many results were accepted (a result whose
    /// claim was lost is dropped). Releases the message's blob when no recipient is left queued.
    /// </summary>
    Task<int> RecordAsync(QueuedMessage message, IReadOnlyList<RecipientResult> results, CancellationToken cancellationToken);

    /// <summary>The delivery log of one tenant, newest first; <paramref name="queueId"/> narrows it to one message.</summary>
    Task<IReadOnlyList<DeliveryLogEntry>> QueryLogAsync(long tenantId, long? queueId, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes up to <paramref name="limit"/> messages that finished before <paramref name="before"/>, with their
    /// recipients and delivery log (their blob was released when they finished); the number deleted.
    /// </summary>
    Task<int> PruneFinishedAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken);

    /// <summary>Messages queued since <paramref name="since"/> by the tenant, and by the mailbox when given.</summary>
    Task<(int Tenant, int Mailbox)> CountSubmittedAsync(long tenantId, long? mailboxId, DateTimeOffset since, CancellationToken cancellationToken);
}

/// <summary>A claimed message with the recipients this claim covers (RFC 5321 envelope, RFC 3461/8689 parameters).</summary>
public sealed record QueuedMessage(
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
    Guid ClaimToken,
    IReadOnlyList<QueuedRecipient> Recipients);

/// <summary>One claimed recipient. <see cref="Notify"/> is null (unspecified), NEVER, or a comma list of SUCCESS, FAILURE, DELAY.</summary>
public sealed record QueuedRecipient(string Address, string Domain, string? Notify, string? OriginalRecipient, int Attempts, bool DelayNotified);

/// <summary>What became of a recipient in one attempt.</summary>
public enum DeliveryOutcome
{
    /// <summary>The remote server accepted it (2xx after the data).</summary>
    Delivered,

    /// <summary>A transient failure (4xx, network, TLS policy); tried again at <see cref="RecipientResult.NextAttemptAt"/>.</summary>
    Deferred,

    /// <summary>A permanent failure (5xx, null MX, no such domain); bounced.</summary>
    Failed,

    /// <summary>Still failing when the message's lifetime ran out; bounced.</summary>
    Expired,
}

/// <summary>The result for one recipient, with what the delivery log keeps about the attempt.</summary>
public sealed record RecipientResult(
    string Recipient,
    DeliveryOutcome Outcome,
    string Reply,
    DateTimeOffset AttemptedAt,
    DateTimeOffset? NextAttemptAt,
    string? RemoteHost,
    string? RemoteIp,
    string? TlsProtocol,
    string? TlsCipher,
    TimeSpan Duration,
    string Node)
{
    /// <summary>Set when a delay warning (RFC 3464 action "delayed") was sent with this result.</summary>
    public bool DelayNotified { get; init; }
}

/// <summary>One delivery attempt of one recipient, as kept for message tracking.</summary>
public sealed record DeliveryLogEntry(
    long TenantId,
    long QueueId,
    string Recipient,
    DateTimeOffset AttemptedAt,
    DeliveryOutcome Outcome,
    string Node,
    string? RemoteHost,
    string? RemoteIp,
    string? Reply,
    string? TlsProtocol,
    string? TlsCipher,
    TimeSpan Duration);
