using System.Globalization;
using HostedMail.Core.Audit;
using HostedMail.Core.Billing;
using HostedMail.Core.Directory;
using HostedMail.Core.Plans;
using HostedMail.Core.Tenants;
using Microsoft.Extensions.Logging;
using Stripe;

namespace HostedMail.Billing;

// Implementation notes: the subscription row decides (ISubscriptionStore.ApplyAsync keeps the
// newest state, in a row lock); everything after it (the tenant's plan, dunning, seats, mails)
// is derived from the row that won, so applying the same state twice changes nothing more.
// Every write of the row is followed by TenantService.SubscriptionChangedAsync: the tenant's grain
// holds the row for the billing standing and reads it again.

/// <summary>Turns a Stripe subscription into the tenant's state: the subscription row, the tenant's plan and limits, dunning, seats.</summary>
public sealed partial class SubscriptionSync(
    ISubscriptionStore subscriptions,
    TenantService tenants,
    ITenantDirectoryStore directory,
    PlanCatalog catalog,
    BillingOptions options,
    StripeGateway stripe,
    IBillingNotifier notifier,
    TimeProvider timeProvider,
    ILogger<SubscriptionSync> logger)
{
    internal static readonly Actor Stripe = new("stripe");

    /// <summary>The update a Stripe subscription means; the plan is the one whose price the first item has (the free plan for a price no plan names).</summary>
    public SubscriptionUpdate ToUpdate(Subscription subscription, DateTimeOffset stateAt, bool fetched = false)
    {
        var item = subscription.Items?.Data?.FirstOrDefault();
        var found = catalog.FindByPrice(item?.Price?.Id);
        return new SubscriptionUpdate(
            subscription.CustomerId ?? subscription.Customer?.Id ?? string.Empty,
            subscription.Id,
            found?.Plan.Plan ?? options.FreePlan,
            string.IsNullOrEmpty(subscription.Status) ? SubscriptionStatus.Incomplete : subscription.Status,
            found?.Interval ?? item?.Price?.Recurring?.Interval,
            (int)(item?.Quantity ?? 1),
            item?.Id,
            Utc(item?.CurrentPeriodEnd),
            Utc(subscription.TrialEnd),
            subscription.CancelAtPeriodEnd,
            stateAt,
            fetched);
    }

    /// <summary>Applies the update and everything that follows from it; returns what happened, for the event's record.</summary>
    public async Task<string> ApplyAsync(long tenantId, SubscriptionUpdate update, CancellationToken cancellationToken)
    {
        var change = await subscriptions.ApplyAsync(tenantId, update, timeProvider.GetUtcNow(), cancellationToken);
        if (!change.Applied)
        {
            return $"kept the newer state ({change.Before.Status} of {change.Before.SubscriptionId}); this one was {update.Status} of {update.SubscriptionId}";
        }

        // The tenant's grain holds the subscription for the billing standing (submission asks it at every MAIL FROM).
        await tenants.SubscriptionChangedAsync(tenantId, cancellationToken);
        await FollowAsync(change.Before, change.After, cancellationToken);
        return $"{change.Before.Status} -> {change.After.Status}, plan {change.After.Plan}";
    }

    /// <summary>The tenant's plan follows the subscription; past due starts dunning; seats follow the mailbox count.</summary>
    private async Task FollowAsync(TenantSubscription before, TenantSubscription after, CancellationToken cancellationToken)
    {
        var tenantId = after.TenantId;
        var tenant = await tenants.GetAsync(tenantId.ToString(CultureInfo.InvariantCulture), cancellationToken);
        var effective = SubscriptionStatus.GrantsPlan(after.Status) && catalog.Plans.ContainsKey(after.Plan) ? after.Plan : options.FreePlan;
        if (!string.Equals(tenant.Plan, effective, StringComparison.OrdinalIgnoreCase) && catalog.Plans.ContainsKey(effective))
        {
            await tenants.SetPlanAsync(tenant.TenantId.ToString(CultureInfo.InvariantCulture), effective, catalog, Stripe, cancellationToken);
            if (effective == options.FreePlan)
            {
                // Nothing is deleted above the free plan's limits: mail still arrives; the tenant is told what exceeds.
                var excess = PlanExcess.Describe(catalog.For(effective), await directory.GetUsageAsync(tenantId, cancellationToken));
                var text = excess.Count == 0
                    ? "Nothing you have exceeds the free plan."
                    : "Above the free plan's limits you have:\n- " + string.Join("\n- ", excess) + "\nNothing has been deleted and mail still arrives, but you cannot add more until you are within the limits or subscribe again.";
                await notifier.NotifyAdminsAsync(tenantId, "Your HostedMail subscription has ended",
                    $"The subscription of '{tenant.DisplayName}' is {after.Status.Replace('_', ' ')}; the tenant is now on the free plan.\n\n{text}\n", cancellationToken);
            }
        }

        if (after.Status == SubscriptionStatus.PastDue && before.Status != SubscriptionStatus.PastDue)
        {
            await AnnounceAsync(after, DunningPhase.Grace, cancellationToken);
        }

        if (SubscriptionStatus.GrantsPlan(after.Status))
        {
            await SyncSeatsAsync(after, cancellationToken);
        }
    }

    /// <summary>Moves the announced dunning phase forward once (one node wins), with its audit entry and a mail to the admins.</summary>
    public async Task AnnounceAsync(TenantSubscription subscription, DunningPhase phase, CancellationToken cancellationToken)
    {
        var standing = BillingStanding.Evaluate(subscription, options.Dunning, timeProvider.GetUtcNow());
        var audit = new AuditEntry(subscription.TenantId, Stripe, "billing.dunning", subscription.SubscriptionId ?? string.Empty,
            new Dictionary<string, string> { ["from"] = Name(subscription.DunningPhase), ["to"] = Name(phase) });
        if (!await subscriptions.AdvanceDunningAsync(subscription.TenantId, subscription.DunningPhase, phase, audit, cancellationToken))
        {
            return;
        }

        await tenants.SubscriptionChangedAsync(subscription.TenantId, cancellationToken);

        var (subject, body) = phase switch
        {
            DunningPhase.Grace => ("Payment for HostedMail failed",
                $"We could not collect the payment for your subscription. Everything keeps working until {standing.SendingBlockedAt:yyyy-MM-dd HH:mm} UTC; after that your people cannot send mail until the payment succeeds. Update the payment method in the portal's billing page."),
            DunningPhase.SendingBlocked => ("HostedMail: sending is paused",
                $"The payment for your subscription is still overdue, so sending mail is paused (mail still arrives). From {standing.ReadOnlyAt:yyyy-MM-dd HH:mm} UTC the portal becomes read-only except billing. Pay in the portal's billing page to resume at once."),
            _ => ("HostedMail: the portal is read-only",
                "The payment for your subscription is still overdue: sending is paused and the portal is read-only except the billing page, where paying restores everything at once."),
        };
        await notifier.NotifyAdminsAsync(subscription.TenantId, subject, body + "\n", cancellationToken);
    }

    /// <summary>Per-mailbox pricing: sets the subscription item's quantity to the mailbox count when they differ.</summary>
    public async Task SyncSeatsAsync(TenantSubscription subscription, CancellationToken cancellationToken)
    {
        if (!catalog.For(subscription.Plan).PerSeat || subscription.SubscriptionItemId is null || !options.Configured)
        {
            return;
        }

        var mailboxes = Math.Max(1, (await directory.GetUsageAsync(subscription.TenantId, cancellationToken)).Mailboxes);
        if (mailboxes == subscription.Seats)
        {
            return;
        }

        await stripe.SetQuantityAsync(subscription.SubscriptionItemId, mailboxes, cancellationToken);
        await subscriptions.SetSeatsAsync(subscription.TenantId, mailboxes, cancellationToken);
        await tenants.SubscriptionChangedAsync(subscription.TenantId, cancellationToken);
        LogSeats(logger, subscription.TenantId, subscription.Seats, mailboxes);
    }

    public static string Name(DunningPhase phase) => phase switch
    {
        DunningPhase.Grace => "grace",
        DunningPhase.SendingBlocked => "sending_blocked",
        DunningPhase.ReadOnly => "read_only",
        _ => "none",
    };

    private static DateTimeOffset? Utc(DateTime? value) =>
        value is { } v && v > DateTime.UnixEpoch ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;

    [LoggerMessage(EventId = 16002, Level = LogLevel.Information, Message = "Tenant {TenantId}: seats {From} -> {To}")]
    private static partial void LogSeats(ILogger logger, long tenantId, int from, int to);
}

/// <summary>Keeps seats equal to the mailbox count when a mailbox is added or removed; a Stripe failure is logged, never fails the mailbox change (resync repairs it).</summary>
internal sealed partial class SeatObserver(ISubscriptionStore subscriptions, IServiceProvider services, ILogger<SeatObserver> logger) : IMailboxCountObserver
{
    public async Task MailboxCountChangedAsync(long tenantId, CancellationToken cancellationToken)
    {
        try
        {
            var subscription = await subscriptions.GetAsync(tenantId, cancellationToken);
            if (SubscriptionStatus.GrantsPlan(subscription.Status))
            {
                // Resolved late: SubscriptionSync needs MailboxService's siblings, and MailboxService needs this.
                var sync = (SubscriptionSync)services.GetService(typeof(SubscriptionSync))!;
                await sync.SyncSeatsAsync(subscription, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is StripeException or HttpRequestException or InvalidOperationException)
        {
            LogFailed(logger, tenantId, ex.Message);
        }
    }

    [LoggerMessage(EventId = 16003, Level = LogLevel.Warning, Message = "Tenant {TenantId}: seats not updated at Stripe ({Reason}); `hostedmail billing resync` repairs it")]
    private static partial void LogFailed(ILogger logger, long tenantId, string reason);
}
