namespace HostedMail.Core.Outbound;

/// <summary>
/// Message tracking for a tenant's admins: what became of the messages its people sent (the
/// outbound queue and its delivery log) and of the messages its mailboxes received (the copies
/// delivered into INBOX or Junk). One tenant at a time, never across tenants.
/// </summary>
public interface IMessageTracking
{
    /// <summary>The messages matching <paramref name="query"/>, newest first, with the page's recipients and attempts.</summary>
    Task<TrackingPage> SearchAsync(long tenantId, TrackingQuery query, CancellationToken cancellationToken);
}

/// <summary>What to search by.</summary>
public enum TrackingField
{
    /// <summary>A recipient address (an outbound recipient or the receiving mailbox), or part of one.</summary>
    Recipient,

    /// <summary>The envelope sender of outbound mail, the From address of received mail, or part of one.</summary>
    Sender,

    /// <summary>The Message-ID header (RFC 5322 section 3.6.4), with or without its angle brackets; exact.</summary>
    MessageId,
}

/// <summary>A search over the messages created at or after <see cref="Since"/>.</summary>
public sealed record TrackingQuery(TrackingField Field, string Text, DateTimeOffset Since, int Offset, int Limit);

/// <summary>One page of matches and how many there are in all.</summary>
public sealed record TrackingPage(IReadOnlyList<TrackedMessage> Items, int Total);

/// <summary>Where a tracked message was found.</summary>
public enum TrackedKind
{
    /// <summary>Queued for remote recipients (the outbound queue); <see cref="TrackedMessage.Id"/> is the queue id.</summary>
    Outbound,

    /// <summary>Delivered into one of the tenant's mailboxes; <see cref="TrackedMessage.Id"/> is the stored message's id.</summary>
    Received,
}

/// <summary>One message and what became of it for each recipient.</summary>
public sealed record TrackedMessage(
    TrackedKind Kind,
    long Id,
    DateTimeOffset At,
    string Sender,
    string? MessageId,
    string? Subject,
    long Size,
    IReadOnlyList<TrackedRecipient> Recipients);

/// <summary>
/// One recipient: its state (queued, delivered, failed, expired), the attempts of the delivery log
/// (oldest first) and the delivery status notifications the queue sent the sender for it.
/// </summary>
public sealed record TrackedRecipient(
    string Address,
    string State,
    int AttemptCount,
    string? LastReply,
    DateTimeOffset? NextAttemptAt,
    string? Folder,
    IReadOnlyList<string> Notifications,
    IReadOnlyList<DeliveryLogEntry> Attempts);

/// <summary>Which delivery status notifications the queue sent the sender for a recipient, from what the queue keeps.</summary>
public static class TrackedNotifications
{
    /// <summary>
    /// "delayed" when a delay warning went out; "failed" when the recipient failed or expired and
    /// its NOTIFY asks for failures (RFC 3461 section 4.1: no NOTIFY means FAILURE and DELAY). Never
    /// for the null reverse-path: a notification is not answered with one (RFC 5321 section 4.5.5).
    /// </summary>
    public static IReadOnlyList<string> For(string envelopeFrom, string state, string? notify, bool delayNotified)
    {
        if (envelopeFrom.Length == 0)
        {
            return [];
        }

        var sent = new List<string>(2);
        if (delayNotified)
        {
            sent.Add("delayed");
        }

        if (state is "failed" or "expired" && Wants(notify, "FAILURE"))
        {
            sent.Add("failed");
        }

        return sent;
    }

    private static bool Wants(string? notify, string kind) =>
        notify is null ? kind is "FAILURE" or "DELAY" : notify.Split(',').Contains(kind, StringComparer.OrdinalIgnoreCase);
}
