using System.Globalization;
using HostedMail.Core;
using HostedMail.Core.Audit;
using HostedMail.Core.Billing;
using HostedMail.Core.Directory;
using HostedMail.Core.Plans;
using HostedMail.Core.Tenants;
using Stripe;

namespace HostedMail.Billing;

/// <summary>A plan as the portal offers it.</summary>
public sealed record PlanOffer(string Name, string DisplayName, bool Monthly, bool Yearly, bool PerSeat, IReadOnlyList<string> Features, PlanLimits Limits);

/// <summary>The next invoice Stripe will charge.</summary>
public sealed record NextInvoice(long AmountDue, string Currency, DateTimeOffset? Date);

/// <summary>Everything the tenant's billing page and <c>hostedmail billing show</c> show.</summary>
public sealed record BillingOverview(
    long TenantId,
    string TenantPlan,
    TenantSubscription Subscription,
    BillingStandingResult Standing,
    PlanLimits Limits,
    TenantUsage Usage,
    IReadOnlyList<string> Exceeds,
    NextInvoice? NextInvoice,
    IReadOnlyList<PlanOffer> Plans,
    bool Configured);

/// <summary>Checkout, the customer portal, the overview and resync: billing as the tenant and the operator use it.</summary>
public sealed class TenantBilling(
    BillingOptions options,
    ISubscriptionStore subscriptions,
    TenantService tenants,
    ITenantDirectoryStore directory,
    PlanCatalog catalog,
    StripeGateway stripe,
    SubscriptionSync sync,
    NextInvoiceCache nextInvoices,
    TimeProvider timeProvider)
{
    public async Task<BillingOverview> GetOverviewAsync(long tenantId, bool withNextInvoice, CancellationToken cancellationToken)
    {
        var tenant = await tenants.GetAsync(tenantId.ToString(CultureInfo.InvariantCulture), cancellationToken);
        var subscription = await subscriptions.GetAsync(tenantId, cancellationToken);
        var limits = catalog.For(tenant.Plan);
        var usage = await directory.GetUsageAsync(tenantId, cancellationToken);
        NextInvoice? next = null;
        if (withNextInvoice && options.Configured && subscription.CustomerId is { } customer && subscription.SubscriptionId is { } id
            && SubscriptionStatus.GrantsPlan(subscription.Status) && !subscription.CancelAtPeriodEnd)
        {
            next = await nextInvoices.GetAsync(subscription, async () =>
            {
                try
                {
                    var invoice = await stripe.PreviewNextInvoiceAsync(customer, id, cancellationToken);
                    var date = invoice.NextPaymentAttempt ?? invoice.PeriodEnd;
                    return new NextInvoice(invoice.AmountDue, invoice.Currency ?? string.Empty, date > DateTime.UnixEpoch ? new DateTimeOffset(DateTime.SpecifyKind(date, DateTimeKind.Utc)) : null);
                }
                catch (StripeException)
                {
                    // The page still shows everything else; the invoice preview is a courtesy.
                    return null;
                }
            });
        }

        var offers = catalog.Plans.Values.OrderBy(p => p.MaxMailboxes ?? int.MaxValue)
            .Select(p => new PlanOffer(p.Plan, p.DisplayName ?? p.Plan, p.MonthlyPriceId is not null, p.YearlyPriceId is not null, p.PerSeat, p.Features, p))
            .ToList();
        return new BillingOverview(tenantId, tenant.Plan, subscription, BillingStanding.Evaluate(subscription, options.Dunning, timeProvider.GetUtcNow()),
            limits, usage, PlanExcess.Describe(limits, usage), next, offers, options.Configured);
    }

    /// <summary>A Stripe Checkout session for a plan; returns its URL. The tenant's customer is created first if it has none.</summary>
    public async Task<string> CreateCheckoutAsync(long tenantId, string plan, string interval, string? email, Actor actor, CancellationToken cancellationToken)
    {
        RequireConfigured();
        var name = (plan ?? string.Empty).Trim().ToLowerInvariant();
        if (!catalog.Plans.TryGetValue(name, out var limits) || !limits.Sold)
        {
            var sold = catalog.Plans.Values.Where(p => p.Sold).Select(p => p.Plan).Order(StringComparer.Ordinal);
            throw HostedMailException.Invalid("plan", $"plan '{name}' cannot be bought; plans for sale: {string.Join(", ", sold)}");
        }

        var price = interval switch
        {
            "month" or "monthly" or null or "" => limits.MonthlyPriceId,
            "year" or "yearly" => limits.YearlyPriceId,
            _ => throw HostedMailException.Invalid("interval", "interval must be month or year"),
        } ?? throw HostedMailException.Invalid("interval", $"plan '{name}' is not sold {interval}ly");

        var subscription = await subscriptions.GetAsync(tenantId, cancellationToken);
        if (SubscriptionStatus.GrantsPlan(subscription.Status))
        {
            throw HostedMailException.Conflict("the tenant already has a subscription; change the plan in the customer portal");
        }

        var customer = await EnsureCustomerAsync(tenantId, email, actor, cancellationToken);
        var quantity = limits.PerSeat ? Math.Max(1, (await directory.GetUsageAsync(tenantId, cancellationToken)).Mailboxes) : 1;
        var session = await stripe.CreateCheckoutSessionAsync(tenantId, customer, price, quantity, cancellationToken);
        return session.Url;
    }

    /// <summary>A customer-portal session (plan changes, payment method, invoices, cancellation); returns its URL.</summary>
    public async Task<string> CreatePortalSessionAsync(long tenantId, string? email, Actor actor, CancellationToken cancellationToken)
    {
        RequireConfigured();
        var customer = await EnsureCustomerAsync(tenantId, email, actor, cancellationToken);
        return (await stripe.CreatePortalSessionAsync(customer, cancellationToken)).Url;
    }

    /// <summary>Reads the tenant's subscription from Stripe and applies it (repairs anything a lost event left behind, and the seat count).</summary>
    public async Task<string> ResyncAsync(long tenantId, CancellationToken cancellationToken)
    {
        RequireConfigured();
        var held = await subscriptions.GetAsync(tenantId, cancellationToken);
        if (held.CustomerId is null)
        {
            return "the tenant has no Stripe customer; nothing to read";
        }

        var current = held.SubscriptionId is { } id
            ? await stripe.GetSubscriptionAsync(id, cancellationToken)
            : await stripe.FindLatestSubscriptionAsync(held.CustomerId, cancellationToken);
        if (current is null)
        {
            return "Stripe has no subscription for the tenant's customer";
        }

        var result = await sync.ApplyAsync(tenantId, sync.ToUpdate(current, timeProvider.GetUtcNow(), fetched: true), cancellationToken);
        var after = await subscriptions.GetAsync(tenantId, cancellationToken);
        if (SubscriptionStatus.GrantsPlan(after.Status))
        {
            await sync.SyncSeatsAsync(after, cancellationToken);
        }

        return result;
    }

    private async Task<string> EnsureCustomerAsync(long tenantId, string? email, Actor actor, CancellationToken cancellationToken)
    {
        var held = await subscriptions.GetAsync(tenantId, cancellationToken);
        if (held.CustomerId is { } existing)
        {
            return existing;
        }

        var tenant = await tenants.GetAsync(tenantId.ToString(CultureInfo.InvariantCulture), cancellationToken);
        var customer = await stripe.CreateCustomerAsync(tenantId, tenant.DisplayName, email, cancellationToken);
        return await subscriptions.SetCustomerIdAsync(tenantId, customer.Id,
            new AuditEntry(tenantId, actor, "billing.customer", customer.Id), cancellationToken);
    }

    private void RequireConfigured()
    {
        if (!options.Configured)
        {
            throw new BillingUnavailableException("billing is not configured on this deployment (Billing:SecretKey)");
        }
    }
}
