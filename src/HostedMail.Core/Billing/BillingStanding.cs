using HostedMail.Core.Plans;

namespace HostedMail.Core.Billing;

/// <summary>The dunning timetable: how long after a payment first fails each step comes.</summary>
public sealed class DunningOptions
{
    /// <summary>Everything works, with a banner and a mail to the admins (default 7 days).</summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromDays(7);

    /// <summary>From the start of past due until the portal becomes read-only (default 14 days); sending is refused from the end of the grace period.</summary>
    public TimeSpan ReadOnlyAfter { get; set; } = TimeSpan.FromDays(14);
}

/// <summary>What the subscription means for the tenant right now.</summary>
/// <param name="SendingRefusal">Null when submission may go ahead, else the reason for <c>451 4.7.1</c>.</param>
public sealed record BillingStandingResult(DunningPhase Phase, DateTimeOffset? SendingBlockedAt, DateTimeOffset? ReadOnlyAt, string? SendingRefusal)
{
    public bool Banner => Phase != DunningPhase.None;

    public bool PortalReadOnly => Phase == DunningPhase.ReadOnly;
}

/// <summary>Refuses submission for a tenant for a reason other than the mailbox's own (billing); Smtp asks it at MAIL FROM.</summary>
public interface ISubmissionPolicy
{
    /// <summary>Null when the tenant may submit mail now, else why not (sent with <c>451 4.7.1</c>).</summary>
    Task<string?> RefusalAsync(long tenantId, CancellationToken cancellationToken);
}

/// <summary>
/// The one place the dunning timetable is applied: computed from <c>past_due_since</c> and the
/// clock on every call, so every node and protocol agrees without waiting for a worker. In a
/// cluster the subscription comes from the tenant's grain, which holds it in memory (replaced
/// whenever the subscription row changes, <see cref="Tenants.TenantService.SubscriptionChangedAsync"/>):
/// submission asks at every MAIL FROM and the portal at every write, with no query.
/// </summary>
public sealed class BillingStanding(ISubscriptionStore store, DunningOptions options, TimeProvider timeProvider, Orleans.IGrainFactory? grains = null) : ISubmissionPolicy
{
    public static BillingStandingResult Evaluate(TenantSubscription subscription, DunningOptions options, DateTimeOffset now)
    {
        if (subscription.Status != SubscriptionStatus.PastDue || subscription.PastDueSince is not { } since)
        {
            return new BillingStandingResult(DunningPhase.None, null, null, null);
        }

        var blockedAt = since + options.GracePeriod;
        var readOnlyAt = since + options.ReadOnlyAfter;
        var phase = now >= readOnlyAt ? DunningPhase.ReadOnly : now >= blockedAt ? DunningPhase.SendingBlocked : DunningPhase.Grace;
        var refusal = phase == DunningPhase.Grace ? null
            : $"sending is paused because the subscription payment is overdue since {since:yyyy-MM-dd}; an administrator can pay in the portal's billing page";
        return new BillingStandingResult(phase, blockedAt, readOnlyAt, refusal);
    }

    public async Task<BillingStandingResult> GetAsync(long tenantId, CancellationToken cancellationToken)
    {
        var subscription = grains is not null
            ? await grains.GetGrain<Tenants.ITenantGrain>(tenantId).GetSubscriptionAsync().WaitAsync(cancellationToken)
            : await store.GetAsync(tenantId, cancellationToken);
        return Evaluate(subscription, options, timeProvider.GetUtcNow());
    }

    public async Task<string?> RefusalAsync(long tenantId, CancellationToken cancellationToken) =>
        (await GetAsync(tenantId, cancellationToken)).SendingRefusal;
}

/// <summary>What a tenant uses beyond its plan's limits; nothing is deleted, the tenant is told.</summary>
public static class PlanExcess
{
    public static IReadOnlyList<string> Describe(PlanLimits limits, TenantUsage usage)
    {
        var list = new List<string>();
        if (usage.Domains > limits.MaxDomains)
        {
            list.Add($"{usage.Domains} domains (the {limits.Plan} plan allows {limits.MaxDomains})");
        }

        if (usage.Mailboxes > limits.MaxMailboxes)
        {
            list.Add($"{usage.Mailboxes} mailboxes (the {limits.Plan} plan allows {limits.MaxMailboxes})");
        }

        if (usage.Aliases > limits.MaxAliases)
        {
            list.Add($"{usage.Aliases} aliases (the {limits.Plan} plan allows {limits.MaxAliases})");
        }

        if (usage.QuotaBytesAllocated > limits.MaxStorageBytes)
        {
            list.Add($"{usage.QuotaBytesAllocated} bytes of mailbox quota (the {limits.Plan} plan allows {limits.MaxStorageBytes})");
        }

        return list;
    }
}
