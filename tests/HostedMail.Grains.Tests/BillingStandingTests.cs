using HostedMail.Core.Audit;
using HostedMail.Core.Billing;
using HostedMail.Core.Tenants;
using HostedMail.Testing;

namespace HostedMail.Grains.Tests;

/// <summary>
/// The billing standing submission checks at every MAIL FROM (<see cref="ISubmissionPolicy"/>) is
/// answered from the tenant's grain, which holds the subscription: no query per MAIL FROM on any
/// silo, and a change the webhook processor commits is seen at the very next one.
/// </summary>
public sealed class BillingStandingTests
{
    private static readonly Actor Test = new("test");

    [Fact]
    public async Task MailFromCostsNoSubscriptionQueryAndAWebhooksChangeIsSeenAtTheNextMailFrom()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await DirectoryCluster.StartAsync(database, silos: 2);
        var tenants = cluster.Service<TenantService>(0);
        var tenant = await tenants.CreateAsync("standing", "big", Test);
        var store = cluster.Service<ISubscriptionStore>(0);
        var now = DateTimeOffset.UtcNow;
        await ApplyAsync(cluster, tenant.TenantId, SubscriptionStatus.Active, stateAt: now.AddDays(-30), pastDueFrom: now.AddDays(-30));
        var policies = new[] { cluster.Service<ISubmissionPolicy>(0), cluster.Service<ISubmissionPolicy>(1) };
        Assert.Null(await policies[0].RefusalAsync(tenant.TenantId, CancellationToken.None));

        // 200 MAIL FROMs through two nodes: not one subscription read.
        var before = CountingSubscriptionStore.Reads;
        for (var i = 0; i < 200; i++)
        {
            Assert.Null(await policies[i % 2].RefusalAsync(tenant.TenantId, CancellationToken.None));
        }

        Assert.Equal(before, CountingSubscriptionStore.Reads);

        // The payment failed nine days ago (past the 7-day grace): the webhook processor applies it
        // and tells the tenant's grain, as SubscriptionSync does; the next MAIL FROM is refused.
        await ApplyAsync(cluster, tenant.TenantId, SubscriptionStatus.PastDue, stateAt: now.AddDays(-9), pastDueFrom: now.AddDays(-9));
        var refusal = await policies[1].RefusalAsync(tenant.TenantId, CancellationToken.None);
        Assert.NotNull(refusal);
        Assert.Contains("payment is overdue", refusal, StringComparison.Ordinal);
        Assert.Equal(SubscriptionStatus.PastDue, (await store.GetAsync(tenant.TenantId, CancellationToken.None)).Status);

        // Paid: the next MAIL FROM goes ahead; the change cost the grain one read, the MAIL FROMs none.
        before = CountingSubscriptionStore.Reads;
        await ApplyAsync(cluster, tenant.TenantId, SubscriptionStatus.Active, stateAt: now, pastDueFrom: now);
        for (var i = 0; i < 100; i++)
        {
            Assert.Null(await policies[i % 2].RefusalAsync(tenant.TenantId, CancellationToken.None));
        }

        Assert.Equal(before + 1, CountingSubscriptionStore.Reads);
    }

    /// <summary>What the webhook processor does with an event: the store applies it, then the tenant's grain is told.</summary>
    private static async Task ApplyAsync(Orleans.TestingHost.InProcessTestCluster cluster, long tenantId, string status, DateTimeOffset stateAt, DateTimeOffset pastDueFrom)
    {
        var update = new SubscriptionUpdate("cus_standing", "sub_standing", "big", status, "month", 1, "si_standing", null, null, false, stateAt);
        var change = await cluster.Service<ISubscriptionStore>(1).ApplyAsync(tenantId, update, pastDueFrom, CancellationToken.None);
        Assert.True(change.Applied);
        await cluster.Service<TenantService>(1).SubscriptionChangedAsync(tenantId);
    }
}
