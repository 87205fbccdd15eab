using HostedMail.Core.Audit;
using HostedMail.Core.Outbound;
using HostedMail.Core.Plans;
using HostedMail.Core.Tenants;
using HostedMail.Grains.Tenants;
using HostedMail.Testing;

namespace HostedMail.Grains.Tests;

/// <summary>The tenant's grain decides plan limits and counts sending once per cluster.</summary>
public sealed class TenantGrainTests
{
    private const string Password = "correct horse battery staple";
    private static readonly Actor Test = new("test");

    [Fact]
    public async Task ConcurrentAddsOfTheLastMailboxThroughThreeSilosAreDecidedOnce()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await DirectoryCluster.StartAsync(database, silos: 3);
        var tenants = cluster.Service<TenantService>(0);
        var tenant = await tenants.CreateAsync("limits", "tiny", Test);
        await cluster.Service<Core.Domains.DomainService>(0).AddAsync(tenant.TenantId, "limits.example", Test, operatorVerified: true);
        await tenants.CreateMailboxAsync(tenant.TenantId, "first@limits.example", Password, 1L << 20, null, Test);

        // The plan allows 3 mailboxes; 12 requests for the last 2 places arrive through 3 nodes at once.
        var attempts = Enumerable.Range(0, 12).Select(i => Attempt(cluster.Service<TenantService>(i), tenant.TenantId, $"user{i}@limits.example")).ToList();
        var outcomes = await Task.WhenAll(attempts);

        Assert.Equal(2, outcomes.Count(o => o is null));
        Assert.All(outcomes.Where(o => o is not null), o => Assert.Equal("mailboxes", o));
        Assert.Equal(3, (await tenants.GetUsageAsync(tenant.TenantId)).Mailboxes);
        Assert.Equal("3", (await ClusterTests.ScalarAsync(database, "SELECT count(*) FROM mailboxes"))!.ToString());
    }

    [Fact]
    public async Task AliasesAndDomainsAreLimitedAndAPlanChangeThroughTheGrainLiftsTheLimit()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await DirectoryCluster.StartAsync(database, silos: 2);
        var tenants = cluster.Service<TenantService>(0);
        var tenant = await tenants.CreateAsync("aliases", "tiny", Test);
        await tenants.AddDomainAsync(tenant.TenantId, "one.example", Test);
        await cluster.Service<TenantService>(1).AddDomainAsync(tenant.TenantId, "two.example", Test);
        var third = await Assert.ThrowsAsync<PlanLimitException>(() => tenants.AddDomainAsync(tenant.TenantId, "three.example", Test));
        Assert.Equal("domains", third.Limit);

        await cluster.Service<Core.Domains.DomainService>(0).VerifyAsync(tenant.TenantId, "one.example", Test, operatorOverride: true);
        await tenants.CreateMailboxAsync(tenant.TenantId, "box@one.example", Password, 1L << 20, null, Test);
        await tenants.CreateAliasAsync(tenant.TenantId, "a@one.example", ["box@one.example"], Test);
        await cluster.Service<TenantService>(1).CreateAliasAsync(tenant.TenantId, "b@one.example", ["box@one.example"], Test);
        var alias = await Assert.ThrowsAsync<PlanLimitException>(() => tenants.CreateAliasAsync(tenant.TenantId, "c@one.example", ["box@one.example"], Test));
        Assert.Equal("aliases", alias.Limit);
        Assert.Contains("tiny plan allows 2 alias", alias.Message, StringComparison.Ordinal);

        // The plan changes through the grain on one node; the next add through the other node sees it.
        var moved = await cluster.Service<TenantService>(1).SetPlanAsync("aliases", "big", DirectoryCluster.Plans, Test);
        Assert.Equal("big", moved.Plan);
        await tenants.CreateAliasAsync(tenant.TenantId, "c@one.example", ["box@one.example"], Test);
        Assert.Equal(3, (await tenants.GetUsageAsync(tenant.TenantId)).Aliases);
    }

    [Fact]
    public async Task AStorageLimitRefusesALargerQuotaAndAnInvalidRequestKeepsItsKind()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await DirectoryCluster.StartAsync(database, silos: 2);
        var tenants = cluster.Service<TenantService>(0);
        var tenant = await tenants.CreateAsync("storage", "tiny", Test);
        await cluster.Service<Core.Domains.DomainService>(0).AddAsync(tenant.TenantId, "storage.example", Test, operatorVerified: true);
        var mailbox = await tenants.CreateMailboxAsync(tenant.TenantId, "s@storage.example", Password, 1L << 30, null, Test);

        var tooBig = await Assert.ThrowsAsync<PlanLimitException>(() =>
            cluster.Service<TenantService>(1).UpdateMailboxAsync(tenant.TenantId, mailbox.MailboxId, new Core.Directory.MailboxUpdate(11L << 30, null, null), Test));
        Assert.Equal("storage", tooBig.Limit);

        // A HostedMailException crosses the silos with its kind and field (the portal maps them to 400/404/409).
        var invalid = await Assert.ThrowsAsync<Core.HostedMailException>(() => tenants.SetLanguageAsync("storage", "xx", Test));
        Assert.Equal(Core.HostedMailError.Invalid, invalid.Error);
        var duplicate = await Assert.ThrowsAsync<Core.HostedMailException>(() => tenants.CreateMailboxAsync(tenant.TenantId, "s@storage.example", Password, null, null, Test));
        Assert.Equal(Core.HostedMailError.Conflict, duplicate.Error);
    }

    [Fact]
    public async Task MessagesPerHourAreCountedOnceAcrossSilos()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        // The deployment allows 4 per hour, the plan 5: the smaller one holds.
        await using var cluster = await DirectoryCluster.StartAsync(database, silos: 3, new SendingLimitOptions { TenantPerHour = 4 });
        var tenant = await cluster.Service<TenantService>(0).CreateAsync("sender", "tiny", Test);
        var other = await cluster.Service<TenantService>(0).CreateAsync("bystander", "tiny", Test);

        var answers = new List<string?>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await cluster.Service<SendingLimiter>(i).CheckAsync(tenant.TenantId, null, default));
        }

        Assert.Equal([null, null, null, null], answers.Take(4));
        Assert.All(answers.Skip(4), a => Assert.Equal("this organisation may send 4 messages per hour", a));
        // No queued message was counted: the grain's memory decided, not a query of the queue.
        Assert.Equal("0", (await ClusterTests.ScalarAsync(database, "SELECT count(*) FROM outbound_messages"))!.ToString());
        // Another tenant's hour is its own.
        Assert.Null(await cluster.Service<SendingLimiter>(1).CheckAsync(other.TenantId, null, default));
    }

    [Fact]
    public void TheSendingWindowForgetsMinutesOlderThanAnHour()
    {
        var start = new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);
        var window = new SendingWindow();
        window.Add(start, 3);
        window.Add(start.AddMinutes(30), 2);
        Assert.Equal(5, window.Total(start.AddMinutes(59)));
        Assert.Equal(2, window.Total(start.AddMinutes(60)));
        Assert.Equal(2, window.Total(start.AddMinutes(89)));
        Assert.Equal(0, window.Total(start.AddMinutes(90)));
        window.Add(start.AddDays(1), 1);
        Assert.Equal(1, window.Total(start.AddDays(1).AddMinutes(1)));
    }

    private static async Task<string?> Attempt(TenantService tenants, long tenantId, string address)
    {
        try
        {
            await tenants.CreateMailboxAsync(tenantId, address, Password, 1L << 20, null, Test);
            return null;
        }
        catch (PlanLimitException ex)
        {
            return ex.Limit;
        }
    }
}
