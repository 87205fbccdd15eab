using System.Net;
using HostedMail.Core.Billing;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Portal.Tests;

/// <summary>The billing API and the dunning read-only gate, over HTTP with a signed-in owner.</summary>
public sealed class BillingTests(PortalHost host) : IClassFixture<PortalHost>
{
    [Fact]
    public async Task BillingShowsThePlanAndTheLongOverdueTenantCanOnlyUseBilling()
    {
        using var owner = await host.NewTenantAsync("dunned");
        var tenantId = (await owner.GetJsonAsync("/api/v1/tenant")).GetProperty("id").GetInt64();
        var billing = await owner.GetJsonAsync("/api/v1/billing");
        Assert.Equal("none", billing.GetProperty("subscription").GetProperty("status").GetString());
        Assert.Equal("none", billing.GetProperty("standing").GetProperty("phase").GetString());
        Assert.False(billing.GetProperty("configured").GetBoolean());
        Assert.Contains(billing.GetProperty("plans").EnumerateArray(), p => p.GetProperty("name").GetString() == "free");
        // Without a Stripe key checkout says so instead of failing obscurely.
        await PortalClient.ExpectProblemAsync(await owner.PostAsync("/api/v1/billing/checkout", new { plan = "business", interval = "month" }), HttpStatusCode.ServiceUnavailable);

        var store = host.Services.GetRequiredService<ISubscriptionStore>();
        await store.ApplyAsync(tenantId, new SubscriptionUpdate("cus_dunned", "sub_dunned", "free", SubscriptionStatus.PastDue, "month", 1, "si_1", null, null, false,
            host.Time.GetUtcNow()), host.Time.GetUtcNow(), CancellationToken.None);
        var grace = (await owner.GetJsonAsync("/api/v1/billing")).GetProperty("standing");
        Assert.Equal("grace", grace.GetProperty("phase").GetString());
        Assert.True(grace.GetProperty("banner").GetBoolean());
        Assert.Contains("payment failed", grace.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        await owner.PostJsonAsync("/api/v1/domains", new { name = "before.example" }, HttpStatusCode.Created);

        host.Time.Advance(TimeSpan.FromDays(15));
        await owner.LoginAsync("owner@dunned.example", "correct horse battery");

        var refused = await PortalClient.ExpectProblemAsync(await owner.PostAsync("/api/v1/domains", new { name = "after.example" }), HttpStatusCode.Forbidden);
        Assert.EndsWith("billing-read-only", refused.GetProperty("type").GetString(), StringComparison.Ordinal);
        await owner.GetJsonAsync("/api/v1/domains");
        Assert.True((await owner.GetJsonAsync("/api/v1/billing")).GetProperty("standing").GetProperty("portalReadOnly").GetBoolean());
        // Billing stays open (here it answers that Stripe is not configured, not that the portal is read-only).
        await PortalClient.ExpectProblemAsync(await owner.PostAsync("/api/v1/billing/portal", null), HttpStatusCode.ServiceUnavailable);
    }
}
