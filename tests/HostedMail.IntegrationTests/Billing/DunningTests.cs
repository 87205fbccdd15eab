using System.Globalization;
using System.Text;
using HostedMail.Billing;
using HostedMail.Core.Audit;
using HostedMail.Core.Billing;
using HostedMail.Core.Tenants;
using HostedMail.Testing;

namespace HostedMail.IntegrationTests.Billing;

/// <summary>
/// The whole dunning path on a clock the test moves, driven by signed webhooks from the fake
/// Stripe, with sending checked over real SMTP submission: free -> checkout -> paid; payment
/// fails -> grace -> sending refused (451 4.7.1) -> portal read-only; paid -> sending works;
/// canceled -> free plan, nothing deleted, mail still arrives, the tenant told what exceeds.
/// </summary>
public sealed class DunningTests(BillingNode node) : IClassFixture<BillingNode>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task APaidTenantIsDunnedRefusedSendingAndRecoversWhenPaid()
    {
        var tenantId = await node.TenantIdAsync("acme");
        Assert.Equal("free", (await node.Get<TenantService>().GetAsync("acme")).Plan);
        await node.Get<TenantBilling>().CreateCheckoutAsync(tenantId, "business", "month", "owner@acme.example", new Actor("test"), None);
        var customer = (await node.Get<ISubscriptionStore>().GetAsync(tenantId, None)).CustomerId!;
        var periodEnd = node.Clock.GetUtcNow().AddDays(30);
        var n = 0;
        async Task SendAsync(string type, string status, Func<System.Text.Json.Nodes.JsonObject, System.Text.Json.Nodes.JsonObject>? shape = null)
        {
            var subscription = node.Stripe.SetSubscription("sub_acme", customer, "price_business_m", status, 2, tenantId, periodEnd);
            var payload = shape?.Invoke(subscription) ?? subscription;
            var (code, text) = await node.PostEventAsync(FakeStripe.Event("evt_acme_" + (++n).ToString(CultureInfo.InvariantCulture), type, payload, node.Clock.GetUtcNow()));
            Assert.True(code == 200, text);
        }

        // Checkout completes: the paid plan.
        await SendAsync("checkout.session.completed", "active", _ => FakeStripe.CheckoutSession(customer, tenantId.ToString(CultureInfo.InvariantCulture), "sub_acme"));
        Assert.Equal("business", (await node.Get<TenantService>().GetAsync("acme")).Plan);
        Assert.StartsWith("250 ", await SubmitAsync(), StringComparison.Ordinal);

        // The payment fails: grace, a banner, a mail to the admins; sending still works.
        await SendAsync("invoice.payment_failed", "past_due", _ => FakeStripe.Invoice(customer, "sub_acme", 2400));
        var overview = await node.Get<TenantBilling>().GetOverviewAsync(tenantId, withNextInvoice: false, None);
        Assert.Equal((DunningPhase.Grace, true), (overview.Standing.Phase, overview.Standing.Banner));
        Assert.Contains(node.Notices.To(tenantId), m => m.Subject == "Payment for HostedMail failed");
        Assert.StartsWith("250 ", await SubmitAsync(), StringComparison.Ordinal);

        // After the grace period submission refuses, saying why; mail to the tenant still arrives.
        node.Clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        var refused = await SubmitAsync();
        Assert.StartsWith("451 4.7.1 ", refused, StringComparison.Ordinal);
        Assert.Contains("payment is overdue", refused, StringComparison.Ordinal);
        Assert.StartsWith("250 ", await ReceiveFromInternetAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await node.Get<DunningWorker>().RunOnceAsync(None));
        Assert.Equal(0, await node.Get<DunningWorker>().RunOnceAsync(None));
        Assert.Contains(node.Notices.To(tenantId), m => m.Subject == "HostedMail: sending is paused");

        // Later the portal is read-only but for billing.
        node.Clock.Advance(TimeSpan.FromDays(7));
        Assert.True((await node.Get<BillingStanding>().GetAsync(tenantId, None)).PortalReadOnly);
        Assert.Equal(1, await node.Get<DunningWorker>().RunOnceAsync(None));

        // Paid: everything works again at once.
        await SendAsync("invoice.paid", "active", _ => FakeStripe.Invoice(customer, "sub_acme", 2400));
        var paid = await node.Get<ISubscriptionStore>().GetAsync(tenantId, None);
        Assert.Equal(("active", (DateTimeOffset?)null, DunningPhase.None), (paid.Status, paid.PastDueSince, paid.DunningPhase));
        Assert.StartsWith("250 ", await SubmitAsync(), StringComparison.Ordinal);
        Assert.False((await node.Get<BillingStanding>().GetAsync(tenantId, None)).PortalReadOnly);

        // Canceled: the free plan's limits; nothing deleted, mail still arrives, the admins are told what exceeds.
        await SendAsync("customer.subscription.deleted", "canceled");
        Assert.Equal("free", (await node.Get<TenantService>().GetAsync("acme")).Plan);
        Assert.Equal(2, await node.CountAsync("SELECT count(*) FROM domains WHERE tenant_id = @t", ("t", tenantId)));
        Assert.StartsWith("250 ", await ReceiveFromInternetAsync(), StringComparison.Ordinal);
        var ended = Assert.Single(node.Notices.To(tenantId), m => m.Subject == "Your HostedMail subscription has ended");
        Assert.Contains("2 domains (the free plan allows 1)", ended.Body, StringComparison.Ordinal);

        // Every transition is in the audit log.
        var transitions = await node.QueryAsync("""
            SELECT string_agg(details->>'from_status' || '>' || (details->>'to_status'), ' ' ORDER BY audit_id) FROM audit_log WHERE tenant_id = @t AND action = 'billing.subscription'
            """, ("t", tenantId));
        Assert.Equal("none>active active>past_due past_due>active active>canceled", transitions);
        var phases = await node.QueryAsync("""
            SELECT string_agg(details->>'to', ' ' ORDER BY audit_id) FROM audit_log WHERE tenant_id = @t AND action = 'billing.dunning'
            """, ("t", tenantId));
        Assert.Equal("grace sending_blocked read_only", phases);
    }

    /// <summary>Submits a message from alice to bob over SMTP submission (implicit TLS); the MAIL FROM reply when refused, else the final reply.</summary>
    private async Task<string> SubmitAsync()
    {
        await using var client = await LineClient.ConnectAsync(node.SubmissionsPort, implicitTls: true);
        await client.ReadSmtpReplyAsync();
        await client.SmtpAsync("EHLO laptop.example");
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice@acme.example\0" + MailNode.Password));
        Assert.StartsWith("235 ", await client.SmtpAsync("AUTH PLAIN " + auth), StringComparison.Ordinal);
        var mail = await client.SmtpAsync("MAIL FROM:<alice@acme.example>");
        if (!mail.StartsWith("250 ", StringComparison.Ordinal))
        {
            return mail;
        }

        Assert.StartsWith("250 ", await client.SmtpAsync("RCPT TO:<bob@acme.example>"), StringComparison.Ordinal);
        Assert.StartsWith("354 ", await client.SmtpAsync("DATA"), StringComparison.Ordinal);
        return await client.SmtpAsync("From: alice@acme.example\r\nTo: bob@acme.example\r\nSubject: dunning\r\n\r\nhello\r\n.");
    }

    /// <summary>Mail from the internet to alice over MX: RCPT's reply.</summary>
    private async Task<string> ReceiveFromInternetAsync()
    {
        await using var client = await LineClient.ConnectAsync(node.SmtpPort);
        await client.ReadSmtpReplyAsync();
        await client.SmtpAsync("EHLO mta.remote.example");
        Assert.StartsWith("250 ", await client.SmtpAsync("MAIL FROM:<>"), StringComparison.Ordinal);
        return await client.SmtpAsync("RCPT TO:<alice@acme.example>");
    }
}
