using HostedMail.Billing;
using HostedMail.Core.Billing;
using HostedMail.Core.Plans;
using HostedMail.Portal.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;


namespace HostedMail.Portal.Endpoints;

internal sealed record CheckoutBody(string? Plan, string? Interval);

internal sealed record SessionUrlDto(string Url);

internal sealed record SubscriptionDto(
    [property: JsonValues("none", "active", "trialing", "past_due", "unpaid", "canceled", "incomplete", "incomplete_expired", "paused")] string Status,
    string Plan,
    [property: JsonValues("month", "year")] string? Interval, int Seats, DateTimeOffset? CurrentPeriodEnd, DateTimeOffset? TrialEnd, bool CancelAtPeriodEnd, DateTimeOffset? PastDueSince);

internal sealed record StandingDto([property: JsonValues("none", "grace", "sending_blocked", "read_only")] string Phase, bool Banner, bool SendingBlocked, bool PortalReadOnly, DateTimeOffset? SendingBlockedAt, DateTimeOffset? ReadOnlyAt, string? Message);

internal sealed record NextInvoiceDto(long AmountDue, string Currency, DateTimeOffset? Date);

internal sealed record PlanOfferDto(string Name, string DisplayName, bool Monthly, bool Yearly, bool PerSeat, IReadOnlyList<string> Features, PlanLimits Limits);

internal sealed record BillingDto(
    string Plan,
    SubscriptionDto Subscription,
    StandingDto Standing,
    PlanLimits Limits,
    TenantUsage Usage,
    IReadOnlyList<string> Exceeds,
    NextInvoiceDto? NextInvoice,
    IReadOnlyList<PlanOfferDto> Plans,
    bool Configured)
{
    public static BillingDto From(BillingOverview o) => new(
        o.TenantPlan,
        new SubscriptionDto(o.Subscription.Status, o.Subscription.Plan, o.Subscription.Interval, o.Subscription.Seats, o.Subscription.CurrentPeriodEnd,
            o.Subscription.TrialEnd, o.Subscription.CancelAtPeriodEnd, o.Subscription.PastDueSince),
        new StandingDto(SubscriptionSync.Name(o.Standing.Phase), o.Standing.Banner, o.Standing.SendingRefusal is not null, o.Standing.PortalReadOnly,
            o.Standing.SendingBlockedAt, o.Standing.ReadOnlyAt, o.Standing.Phase switch
            {
                DunningPhase.Grace => $"The last payment failed. Update the payment method before {o.Standing.SendingBlockedAt:yyyy-MM-dd} or sending mail will be paused.",
                DunningPhase.SendingBlocked => "The payment is overdue: sending mail is paused until it is paid.",
                DunningPhase.ReadOnly => "The payment is overdue: sending is paused and the portal is read-only except billing.",
                _ => null,
            }),
        o.Limits, o.Usage, o.Exceeds,
        o.NextInvoice is { } n ? new NextInvoiceDto(n.AmountDue, n.Currency, n.Date) : null,
        o.Plans.Select(p => new PlanOfferDto(p.Name, p.DisplayName, p.Monthly, p.Yearly, p.PerSeat, p.Features, p.Limits)).ToList(),
        o.Configured);
}

/// <summary>The tenant's plan, subscription, dunning standing, next invoice and usage; Stripe Checkout and customer-portal sessions.</summary>
internal static class BillingEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var billing = api.MapGroup("/billing").WithTags("Billing");
        billing.MapGet("/", GetAsync).Require(Area.Tenant, write: false).Produces<BillingDto>()
            .WithSummary("Plan, subscription status, dunning banner, next invoice, usage against the plan's limits, and the plans for sale.");
        billing.MapPost("/checkout", CheckoutAsync).Require(Area.Billing, write: true).Produces<SessionUrlDto>()
            .ProducesProblem(StatusCodes.Status502BadGateway).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("A Stripe Checkout session for a plan ({plan, interval: month|year}); send the browser to its url.");
        billing.MapPost("/portal", PortalAsync).Require(Area.Billing, write: true).Produces<SessionUrlDto>()
            .ProducesProblem(StatusCodes.Status502BadGateway).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("A Stripe customer-portal session (plan changes, payment method, invoices, cancellation); send the browser to its url.");
    }

    private static async Task<IResult> GetAsync(PortalCaller caller, TenantBilling billing, CancellationToken ct) =>
        Results.Ok(BillingDto.From(await billing.GetOverviewAsync(caller.TenantId, withNextInvoice: true, ct)));

    private static Task<IResult> CheckoutAsync(CheckoutBody body, PortalCaller caller, TenantBilling billing, CancellationToken ct) =>
        StripeCallAsync(async () => new SessionUrlDto(await billing.CreateCheckoutAsync(caller.TenantId, body.Plan ?? string.Empty, body.Interval ?? "month", caller.Email, caller.Actor, ct)));

    private static Task<IResult> PortalAsync(PortalCaller caller, TenantBilling billing, CancellationToken ct) =>
        StripeCallAsync(async () => new SessionUrlDto(await billing.CreatePortalSessionAsync(caller.TenantId, caller.Email, caller.Actor, ct)));

    private static async Task<IResult> StripeCallAsync(Func<Task<SessionUrlDto>> call)
    {
        try
        {
            return Results.Ok(await call());
        }
        catch (BillingUnavailableException ex)
        {
            return Problems.Result(StatusCodes.Status503ServiceUnavailable, "billing unavailable", ex.Message);
        }
        catch (Stripe.StripeException ex)
        {
            return Problems.Result(StatusCodes.Status502BadGateway, "payment provider error", "Stripe answered: " + ex.Message);
        }
    }
}
