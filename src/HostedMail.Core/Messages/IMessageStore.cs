namespace HostedMail.Core.Messages;

/// <summary>
/// Stores messages. <see cref="StoreAsync"/> returns only after the PostgreSQL transaction that
/// holds the message committed: callers acknowledge (SMTP 250, IMAP OK) after it, never before.
/// </summary>
public interface IMessageStore
{
    /// <summary>Delivers one message to mailboxes and/or queues it for remote recipients, atomically.</summary>
    Task<StoreResult> StoreAsync(StoreRequest request, CancellationToken cancellationToken);
}

/// <summary>One message, the local folders it goes into, and the remote recipients it is queued for, all in one transaction.</summary>
public sealed record StoreRequest(MessageData Message, IReadOnlyList<MailboxDelivery> Deliveries, IReadOnlyList<OutboundSubmission> Outbound);

/// <summary>A copy of the message for one mailbox's folder (by special use, or INBOX when null).</summary>
public sealed record MailboxDelivery(
    long TenantId,
    long MailboxId,
    string? SpecialUse,
    MessageFlags Flags,
    IReadOnlyList<string> Keywords,
    DateTimeOffset InternalDate);

/// <summary>The message queued for remote recipients of one tenant (RFC 5321 envelope plus RFC 3461/8689 parameters).</summary>
public sealed record OutboundSubmission(
    long TenantId,
    long? MailboxId,
    string EnvelopeFrom,
    IReadOnlyList<OutboundRecipient> Recipients,
    string? EnvId,
    string? Ret,
    bool RequireTls,
    bool SmtpUtf8,
    DateTimeOffset ExpiresAt)
{
    /// <summary>
    /// How many leading bytes of the request's message this copy leaves out: a forward shares the
    /// blob of the local copies but not their Return-Path (RFC 5321 section 4.4: only the final
    /// delivery MTA adds one), so the blob is stored once and the queue sends it from this offset.
    /// </summary>
    public int ContentOffset { get; init; }
}

/// <summary>One remote recipient with its DSN parameters (RFC 3461 section 4).</summary>
public sealed record OutboundRecipient(string Address, string? Notify, string? OriginalRecipient);

/// <summary>What became of each delivery (same order as the request) and the queue ids of outbound submissions.</summary>
public sealed record StoreResult(IReadOnlyList<DeliveredMessage> Deliveries, IReadOnlyList<long> QueueIds);

/// <summary>Where a delivered copy landed.</summary>
public sealed record DeliveredMessage(long TenantId, long MailboxId, long FolderId, long Uid, long ModSeq);
