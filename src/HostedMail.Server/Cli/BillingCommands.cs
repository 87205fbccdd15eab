using System.CommandLine;
using System.Globalization;
using HostedMail.Billing;
using HostedMail.Core.Billing;
using HostedMail.Core.Tenants;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Server.Cli;

/// <summary><c>billing show|resync|events|replay</c>: a tenant's subscription as the operator sees it, and the repairs (docs/billing.md).</summary>
internal static class BillingCommands
{
    public static Command Create(CliContext context) =>
        new("billing", "Stripe billing: show a tenant's subscription, resync it from Stripe, list and replay stored webhook events")
        {
            Show(context), Resync(context), Refresh(context), Events(context), Replay(context),
        };

    private static Command Show(CliContext context)
    {
        var tenant = new Argument<string>("tenant") { Description = "Tenant id or name" };
        var command = new Command("show", "The tenant's plan, subscription, dunning phase, usage against the plan's limits, and its latest webhook events") { tenant };
        command.SetAction((parse, ct) => RunAsync(context, async services =>
        {
            var t = await services.GetRequiredService<TenantService>().GetAsync(parse.GetValue(tenant)!, ct);
            var o = await services.GetRequiredService<TenantBilling>().GetOverviewAsync(t.TenantId, withNextInvoice: false, ct);
            var s = o.Subscription;
            var w = context.Out;
            w.WriteLine($"tenant        {t.Name} (id {t.TenantId})");
            w.WriteLine($"plan          {o.TenantPlan}");
            w.WriteLine($"status        {s.Status}{(s.CancelAtPeriodEnd ? " (cancels at period end)" : string.Empty)}");
            w.WriteLine($"customer      {s.CustomerId ?? "-"}");
            w.WriteLine($"subscription  {s.SubscriptionId ?? "-"} {s.Plan} {s.Interval ?? string.Empty} seats {s.Seats}");
            w.WriteLine($"period end    {Date(s.CurrentPeriodEnd)}   trial end {Date(s.TrialEnd)}");
            w.WriteLine($"dunning       {SubscriptionSync.Name(o.Standing.Phase)}{(s.PastDueSince is { } since ? " (past due since " + Date(since) + ")" : string.Empty)}");
            w.WriteLine($"usage         domains {o.Usage.Domains}/{Limit(o.Limits.MaxDomains)}, mailboxes {o.Usage.Mailboxes}/{Limit(o.Limits.MaxMailboxes)}, aliases {o.Usage.Aliases}/{Limit(o.Limits.MaxAliases)}");
            foreach (var excess in o.Exceeds)
            {
                w.WriteLine($"exceeds       {excess}");
            }

            foreach (var e in await services.GetRequiredService<IBillingEventStore>().ListAsync(t.TenantId, 10, ct))
            {
                w.WriteLine($"event         {e.EventId} {e.Type} {e.Status}: {e.Detail}");
            }
        }));
        return command;
    }

    private static Command Resync(CliContext context)
    {
        var tenant = new Argument<string>("tenant") { Description = "Tenant id or name" };
        var command = new Command("resync", "Read the tenant's subscription from Stripe and apply it (after lost events; also sets the seat count)") { tenant };
        command.SetAction((parse, ct) => RunAsync(context, async services =>
        {
            var t = await services.GetRequiredService<TenantService>().GetAsync(parse.GetValue(tenant)!, ct);
            context.Out.WriteLine(await services.GetRequiredService<TenantBilling>().ResyncAsync(t.TenantId, ct));
        }));
        return command;
    }

    private static Command Refresh(CliContext context)
    {
        var tenant = new Argument<string>("tenant") { Description = "Tenant id or name" };
        var command = new Command("refresh", "Make the cluster read the tenant's subscription row again (after billing_subscriptions was edited by hand; the tenant's grain keeps it in memory)") { tenant };
        command.SetAction((parse, ct) => RunAsync(context, async services =>
        {
            var tenants = services.GetRequiredService<TenantService>();
            var t = await tenants.GetAsync(parse.GetValue(tenant)!, ct);
            await tenants.SubscriptionChangedAsync(t.TenantId, ct);
            context.Out.WriteLine($"{t.Name}: the subscription is read again on its next use");
        }));
        return command;
    }

    private static Command Events(CliContext context)
    {
        var tenant = TenantCommands.TenantOption(required: false);
        var limit = new Option<int>("--limit") { Description = "How many, newest first", DefaultValueFactory = _ => 50 };
        var command = new Command("events", "Stored Stripe webhook events with their outcome (failed ones, other API versions and refusals say why)") { tenant, limit };
        command.SetAction((parse, ct) => RunAsync(context, async services =>
        {
            long? tenantId = parse.GetValue(tenant) is { } name ? (await services.GetRequiredService<TenantService>().GetAsync(name, ct)).TenantId : null;
            foreach (var e in await services.GetRequiredService<IBillingEventStore>().ListAsync(tenantId, parse.GetValue(limit), ct))
            {
                context.Out.WriteLine($"{e.ReceivedAt:yyyy-MM-dd HH:mm:ss} {e.EventId} {e.Type} api {e.ApiVersion ?? "-"} tenant {e.TenantId?.ToString(CultureInfo.InvariantCulture) ?? "-"} {e.Status}: {e.Detail}");
            }
        }));
        return command;
    }

    private static Command Replay(CliContext context)
    {
        var id = new Argument<string>("event-id") { Description = "A stored event's id (evt_...)" };
        var command = new Command("replay", "Apply a stored webhook event again (after a fix; applying is idempotent: the subscription's newest state wins)") { id };
        command.SetAction((parse, ct) => RunAsync(context, async services =>
        {
            var result = await services.GetRequiredService<StripeWebhookProcessor>().ReplayAsync(parse.GetValue(id)!, ct);
            if (result.StatusCode >= 300)
            {
                throw new CliUsageException(result.Message);
            }

            context.Out.WriteLine(result.Message);
        }));
        return command;
    }

    private static Task<int> RunAsync(CliContext context, Func<IServiceProvider, Task> action) =>
        context.RunAsync(async services =>
        {
            try
            {
                await action(services);
            }
            catch (Exception ex) when (ex is BillingUnavailableException or Stripe.StripeException or HttpRequestException)
            {
                throw new CliUsageException("Stripe: " + ex.Message);
            }
        });

    private static string Date(DateTimeOffset? value) => value is { } v ? v.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : "-";

    private static string Limit(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "unlimited";
}
