namespace HostedMail.Core.Billing;

/// <summary>One Stripe webhook event as stored before it is applied.</summary>
/// <param name="Status"><c>received</c>, <c>applying</c>, <c>applied</c>, <c>ignored</c> (nothing to do, or refused: see detail), <c>failed</c>.</param>
public sealed record BillingEvent(
    string EventId,
    string Type,
    string? ApiVersion,
    DateTimeOffset CreatedAt,
    DateTimeOffset ReceivedAt,
    string Payload,
    string Status,
    long? TenantId,
    string? Detail);

/// <summary>Stored webhook events: the table's primary key decides whether an event is new.</summary>
public interface IBillingEventStore
{
    /// <summary>Stores the event and claims it for applying; false when it was stored before (a duplicate or replay) and is not waiting for a retry.</summary>
    /// <remarks>A <c>failed</c> event is claimed again (Stripe retries after our 5xx), atomically, so one node applies it.</remarks>
    Task<bool> TryClaimAsync(string eventId, string type, string? apiVersion, DateTimeOffset createdAt, string payload, CancellationToken cancellationToken);

    /// <summary>Claims a stored event for an operator's replay, whatever its status; false when there is no such event or another node is applying it.</summary>
    Task<bool> ClaimForReplayAsync(string eventId, CancellationToken cancellationToken);

    /// <summary>Records the outcome: <c>applied</c>, <c>ignored</c> or <c>failed</c>, the tenant it touched, and why.</summary>
    Task FinishAsync(string eventId, string status, long? tenantId, string? detail, DateTimeOffset at, CancellationToken cancellationToken);

    Task<BillingEvent?> GetAsync(string eventId, CancellationToken cancellationToken);

    /// <summary>Newest first; the tenant's events, or (null) every event.</summary>
    Task<IReadOnlyList<BillingEvent>> ListAsync(long? tenantId, int limit, CancellationToken cancellationToken);
}

/// <summary>Told after a mailbox is created or deleted (seat pricing keeps Stripe's quantity equal to the count); must not throw.</summary>
public interface IMailboxCountObserver
{
    Task MailboxCountChangedAsync(long tenantId, CancellationToken cancellationToken);
}
