using System.Globalization;
using HostedMail.Billing;

namespace HostedMail.IntegrationTests.Billing;

/// <summary>The billing overview (read on every portal page, for the past-due banner) does not call Stripe each time.</summary>
public sealed class InvoicePreviewTests(BillingNode node) : IClassFixture<BillingNode>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task TheNextInvoiceIsPreviewedOnceUntilTheSubscriptionChangesOrTheCacheExpires()
    {
        var (tenantId, customer) = await node.NewCustomerAsync("previewco");
        var periodEnd = node.Clock.GetUtcNow().AddDays(30);
        var n = 0;
        async Task SubscriptionAsync(int seats, string type = "customer.subscription.updated")
        {
            var subscription = node.Stripe.SetSubscription("sub_previewco", customer, "price_business_m", "active", seats, tenantId, periodEnd);
            var payload = type == "checkout.session.completed" ? FakeStripe.CheckoutSession(customer, tenantId.ToString(CultureInfo.InvariantCulture), "sub_previewco") : subscription;
            var (code, text) = await node.PostEventAsync(FakeStripe.Event("evt_previewco_" + (++n).ToString(CultureInfo.InvariantCulture), type, payload, node.Clock.GetUtcNow()));
            Assert.True(code == 200, text);
        }

        int Previews() => node.Stripe.Requests.Count(r => r.Path == "/v1/invoices/create_preview" && r.Form.TryGetValue("customer", out var c) && c == customer);
        await SubscriptionAsync(2, "checkout.session.completed");
        var billing = node.Get<TenantBilling>();

        Assert.NotNull((await billing.GetOverviewAsync(tenantId, withNextInvoice: true, None)).NextInvoice);
        Assert.NotNull((await billing.GetOverviewAsync(tenantId, withNextInvoice: true, None)).NextInvoice);
        Assert.Equal(1, Previews());

        // A new seat count is a new invoice.
        node.Clock.Advance(TimeSpan.FromSeconds(1));
        await SubscriptionAsync(3);
        Assert.NotNull((await billing.GetOverviewAsync(tenantId, withNextInvoice: true, None)).NextInvoice);
        Assert.Equal(2, Previews());

        node.Clock.Advance(NextInvoiceCache.Lifetime + TimeSpan.FromSeconds(1));
        Assert.NotNull((await billing.GetOverviewAsync(tenantId, withNextInvoice: true, None)).NextInvoice);
        Assert.Equal(3, Previews());
    }
}
