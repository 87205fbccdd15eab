using HostedMail.Core.Audit;
using Orleans;

namespace HostedMail.Core.Billing;

/// <summary>
/// A tenant's subscription as last learned from Stripe. <see cref="Status"/> uses Stripe's words
/// (<c>active</c>, <c>trialing</c>, <c>past_due</c>, <c>unpaid</c>, <c>canceled</c>, <c>incomplete</c>,
/// <c>incomplete_expired</c>, <c>paused</c>) plus <c>none</c> for a tenant that never subscribed.
/// </summary>
/// <param name="StateAt">The Stripe time of this state (the event's <c>created</c>); older news never replaces it.</param>
/// <param name="PastDueSince">When the subscription became past due (our clock); the dunning phases count from it.</param>
[GenerateSerializer]
[Alias("HostedMail.TenantSubscription")]
public sealed record TenantSubscription(
    long TenantId,
    string? CustomerId,
    string? SubscriptionId,
    string Plan,
    string Status,
    string? Interval,
    int Seats,
    string? SubscriptionItemId,
    DateTimeOffset? CurrentPeriodEnd,
    DateTimeOffset? TrialEnd,
    bool CancelAtPeriodEnd,
    DateTimeOffset? PastDueSince,
    DateTimeOffset StateAt,
    DunningPhase DunningPhase)
{
    public static TenantSubscription None(long tenantId) =>
        new(tenantId, null, null, "free", SubscriptionStatus.None, null, 0, null, null, null, false, null, DateTimeOffset.MinValue, DunningPhase.None);
}

/// <summary>Stripe's subscription statuses and what each means for the tenant.</summary>
public static class SubscriptionStatus
{
    public const string None = "none";
    public const string Active = "active";
    public const string Trialing = "trialing";
    public const string PastDue = "past_due";
    public const string Unpaid = "unpaid";
    public const string Canceled = "canceled";
    public const string Incomplete = "incomplete";
    public const string IncompleteExpired = "incomplete_expired";
    public const string Paused = "paused";

    /// <summary>The subscription's plan applies (past due still does, within dunning).</summary>
    public static bool GrantsPlan(string status) => status is Active or Trialing or PastDue;

    /// <summary>A subscription in this status never becomes active again (Stripe starts a new one).</summary>
    public static bool IsTerminal(string status) => status is Canceled or IncompleteExpired;
}

/// <summary>Where a past-due tenant stands (docs/billing.md "Dunning").</summary>
[GenerateSerializer]
public enum DunningPhase
{
    /// <summary>Paid up (or never subscribed).</summary>
    None,

    /// <summary>Past due, within the grace period: everything works, the portal shows a banner.</summary>
    Grace,

    /// <summary>Past the grace period: submission refuses mail (451 4.7.1).</summary>
    SendingBlocked,

    /// <summary>Later still: the portal is read-only except billing.</summary>
    ReadOnly,
}

/// <summary>A change to the subscription learned from Stripe (a webhook payload or an API fetch).</summary>
/// <param name="StateAt">The Stripe time the state is from; the store keeps it only if it is not older than what it holds.</param>
/// <param name="Fetched">Read from the API just now: Stripe's current state, newer than any event's, whatever the clocks say.</param>
public sealed record SubscriptionUpdate(
    string CustomerId,
    string SubscriptionId,
    string Plan,
    string Status,
    string? Interval,
    int Seats,
    string? SubscriptionItemId,
    DateTimeOffset? CurrentPeriodEnd,
    DateTimeOffset? TrialEnd,
    bool CancelAtPeriodEnd,
    DateTimeOffset StateAt,
    bool Fetched = false);

/// <summary>What the store did with a <see cref="SubscriptionUpdate"/>.</summary>
/// <param name="Applied">False when the held state was newer, or the update would revive a canceled subscription.</param>
public sealed record SubscriptionChange(bool Applied, TenantSubscription Before, TenantSubscription After);

/// <summary>Subscription persistence (one row per tenant); every write records its audit entry in the same transaction.</summary>
public interface ISubscriptionStore
{
    /// <summary>The tenant's subscription, or <see cref="TenantSubscription.None"/>.</summary>
    Task<TenantSubscription> GetAsync(long tenantId, CancellationToken cancellationToken);

    /// <summary>The tenant whose Stripe customer this is, or null.</summary>
    Task<long?> FindTenantByCustomerAsync(string customerId, CancellationToken cancellationToken);

    /// <summary>Records the tenant's Stripe customer; the one already recorded wins (returned) when two requests race.</summary>
    Task<string> SetCustomerIdAsync(long tenantId, string customerId, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>
    /// Applies the update unless the held state is newer (<see cref="SubscriptionUpdate.StateAt"/>) or
    /// the held subscription is the same one and canceled; decided in one statement, so two nodes
    /// applying updates at once keep the newest. Sets <c>past_due_since</c> to <paramref name="now"/>
    /// when the status becomes past due, clears it when it leaves.
    /// </summary>
    Task<SubscriptionChange> ApplyAsync(long tenantId, SubscriptionUpdate update, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Moves the announced dunning phase from <paramref name="from"/> to <paramref name="to"/>; false when another node already did.</summary>
    Task<bool> AdvanceDunningAsync(long tenantId, DunningPhase from, DunningPhase to, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>Tenants whose status is past due, or whose announced phase is not <see cref="DunningPhase.None"/>.</summary>
    Task<IReadOnlyList<TenantSubscription>> ListInDunningAsync(CancellationToken cancellationToken);

    /// <summary>Records the seat count Stripe now bills.</summary>
    Task SetSeatsAsync(long tenantId, int seats, CancellationToken cancellationToken);
}
