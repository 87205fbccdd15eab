using HostedMail.Core.Aliases;
using HostedMail.Core.Audit;
using HostedMail.Core.Delivery;
using HostedMail.Core.Directory;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Tenants;
using HostedMail.Testing;

namespace HostedMail.Grains.Tests;

/// <summary>RCPT resolution from the domain's grain: loaded once, true after every change, through any silo.</summary>
[Collection(nameof(CountingDomainDirectoryStore))]
public sealed class DomainGrainTests
{
    private const string Password = "correct horse battery staple";
    private static readonly Actor Test = new("test");

    [Fact]
    public async Task RcptThroughAnySiloCostsOneLoadAndEveryChangeIsSeenAtOnceEverywhere()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await DirectoryCluster.StartAsync(database, silos: 3);
        CountingDomainDirectoryStore.Reset();
        var tenants = cluster.Service<TenantService>(0);
        var tenant = await tenants.CreateAsync("rcpt", "big", Test);
        await cluster.Service<DomainService>(0).AddAsync(tenant.TenantId, "rcpt.example", Test, operatorVerified: true);
        await tenants.CreateMailboxAsync(tenant.TenantId, "alice@rcpt.example", Password, null, null, Test);

        async Task<RecipientResolution> Resolve(int silo, string address) => await cluster.Service<RecipientResolver>(silo).ResolveAsync(address);

        // 300 RCPTs (exact, sub-address, unknown) through three nodes: one directory load in all.
        var loadsBefore = CountingDomainDirectoryStore.Loads;
        for (var i = 0; i < 100; i++)
        {
            Assert.Single((await Resolve(i, "alice@rcpt.example")).Mailboxes);
            Assert.Single((await Resolve(i + 1, "alice+tag@rcpt.example")).Mailboxes);
            Assert.Equal(RecipientProblem.UnknownMailbox, (await Resolve(i + 2, $"nobody{i}@rcpt.example")).Problem);
        }

        Assert.Equal(loadsBefore + 1, CountingDomainDirectoryStore.Loads);

        // A mailbox created through node 0 is deliverable through nodes 1 and 2 at once.
        await cluster.Service<MailboxService>(0).CreateAsync(tenant.TenantId, "bob@rcpt.example", Password, null, null, Test);
        Assert.Single((await Resolve(1, "bob@rcpt.example")).Mailboxes);
        Assert.Single((await Resolve(2, "bob@rcpt.example")).Mailboxes);

        // An alias through node 1, seen by node 2.
        var team = await cluster.Service<AliasService>(1).CreateAsync(tenant.TenantId, "team@rcpt.example", ["alice@rcpt.example", "bob@rcpt.example"], Test);
        Assert.Equal(2, (await Resolve(2, "team@rcpt.example")).Mailboxes.Count);

        // New targets through the directory store, seen at once.
        await cluster.Service<ITenantDirectoryStore>(2).SetAliasTargetsAsync(tenant.TenantId, team.AliasId, ["alice@rcpt.example", "friend@remote.example"],
            new AuditEntry(tenant.TenantId, Test, "alias.update", team.Address), default);
        var retargeted = await Resolve(0, "team@rcpt.example");
        Assert.Single(retargeted.Mailboxes);
        Assert.Equal(["friend@remote.example"], retargeted.ExternalForwards);

        // A catch-all takes unknown addresses from then on.
        Assert.Equal(RecipientProblem.UnknownMailbox, (await Resolve(0, "random@rcpt.example")).Problem);
        await cluster.Service<AliasService>(2).CreateAsync(tenant.TenantId, "*@rcpt.example", ["alice@rcpt.example"], Test);
        Assert.Equal("alice@rcpt.example", Assert.Single((await Resolve(1, "random@rcpt.example")).Mailboxes).Address);

        // Disabling and deleting a mailbox are seen at once.
        var bob = await cluster.Service<MailboxService>(0).GetAsync(tenant.TenantId, "bob@rcpt.example");
        await tenants.UpdateMailboxAsync(tenant.TenantId, bob.MailboxId, new MailboxUpdate(null, null, MailboxState.Disabled), Test);
        Assert.Equal(RecipientProblem.MailboxDisabled, (await Resolve(2, "bob@rcpt.example")).Problem);
        await cluster.Service<MailboxService>(1).DeleteAsync(tenant.TenantId, "bob@rcpt.example", Test);
        // Deleted, the address falls to the catch-all.
        Assert.Equal("alice@rcpt.example", Assert.Single((await Resolve(0, "bob@rcpt.example")).Mailboxes).Address);

        // Suspending the tenant defers its mail at once; resuming accepts it again.
        await cluster.Service<TenantService>(1).SuspendAsync("rcpt", Test);
        Assert.Equal(RecipientProblem.TenantSuspended, (await Resolve(2, "alice@rcpt.example")).Problem);
        await cluster.Service<TenantService>(2).ResumeAsync("rcpt", Test);
        Assert.Single((await Resolve(0, "alice@rcpt.example")).Mailboxes);

        // Eight changes, eight loads after them (each change drops the directory; the next RCPT loads
        // it), plus one for remote.example, the forward's domain, whose grain learned it is not hosted.
        Assert.Equal(loadsBefore + 1 + 8 + 1, CountingDomainDirectoryStore.Loads);
    }

    [Fact]
    public async Task ADomainAddedOrVerifiedAfterAnRcptWasRefusedIsHostedAtOnce()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await DirectoryCluster.StartAsync(database, silos: 2);
        var tenants = cluster.Service<TenantService>(0);
        var tenant = await tenants.CreateAsync("late", "big", Test);
        var resolver = cluster.Service<RecipientResolver>(1);
        Assert.Equal(RecipientProblem.NotHostedHere, (await resolver.ResolveAsync("x@late.example")).Problem);

        // Added pending: still not hosted; verified: hosted, without any RCPT-side expiry.
        await tenants.AddDomainAsync(tenant.TenantId, "late.example", Test);
        Assert.Equal(RecipientProblem.NotHostedHere, (await resolver.ResolveAsync("x@late.example")).Problem);
        await cluster.Service<DomainService>(0).VerifyAsync(tenant.TenantId, "late.example", Test, operatorOverride: true);
        Assert.Equal(RecipientProblem.UnknownMailbox, (await resolver.ResolveAsync("x@late.example")).Problem);
        await tenants.CreateMailboxAsync(tenant.TenantId, "x@late.example", Password, null, null, Test);
        Assert.Single((await resolver.ResolveAsync("X@LATE.example")).Mailboxes);

        // Deleting the domain (through its grain) is seen at once too.
        await cluster.Service<DomainService>(0).RemoveAsync(tenant.TenantId, "late.example", Test);
        Assert.Equal(RecipientProblem.NotHostedHere, (await resolver.ResolveAsync("x@late.example")).Problem);
    }

    [Fact]
    public async Task UsedBytesChangedByDeliveriesAreRefreshedWithoutReloadingTheDirectory()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await DirectoryCluster.StartAsync(database, silos: 2, usageRefresh: TimeSpan.Zero);
        var tenants = cluster.Service<TenantService>(0);
        var tenant = await tenants.CreateAsync("usage", "big", Test);
        await cluster.Service<DomainService>(0).AddAsync(tenant.TenantId, "usage.example", Test, operatorVerified: true);
        await tenants.CreateMailboxAsync(tenant.TenantId, "full@usage.example", Password, 1L << 20, null, Test);
        var resolver = cluster.Service<RecipientResolver>(1);
        Assert.Equal(0, Assert.Single((await resolver.ResolveAsync("full@usage.example")).Mailboxes).UsedBytes);
        var loads = CountingDomainDirectoryStore.Loads;

        // Deliveries move used_bytes in the message store's transaction, not through the directory's writers.
        await ClusterTests.ScalarAsync(database, "UPDATE mailboxes SET used_bytes = quota_bytes WHERE address = 'full@usage.example'");
        Assert.Equal(1L << 20, Assert.Single((await resolver.ResolveAsync("full@usage.example")).Mailboxes).UsedBytes);
        Assert.Equal(loads, CountingDomainDirectoryStore.Loads);
    }

    [Fact]
    public async Task TheDomainsReminderRunsItsCheckOncePerPeriodForTheClusterAndTheResultReachesRcpt()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await DirectoryCluster.StartAsync(database, silos: 2, domainChecks: true);
        var tenants = cluster.Service<TenantService>(0);
        var tenant = await tenants.CreateAsync("checked", "big", Test);

        // Adding the domain reaches its grain (directory change), which registers the reminder.
        await tenants.AddDomainAsync(tenant.TenantId, "checked.example", Test);
        Assert.Equal(1L, await ClusterTests.ScalarAsync(database, "SELECT count(*) FROM orleans.reminders WHERE grain_id LIKE '%/checked.example' AND reminder_name = 'dns-check'"));

        // The reminder's check verifies the pending domain; RCPT through the other node sees it.
        var resolver = cluster.Service<RecipientResolver>(1);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (RecordingCheckRunner.Runs("checked.example").Count < 4)
        {
            await Task.Delay(100, deadline.Token);
        }

        Assert.Equal(DomainState.Verified, (await cluster.Service<DomainService>(1).GetAsync(tenant.TenantId, "checked.example")).State);
        Assert.Equal(RecipientProblem.UnknownMailbox, (await resolver.ResolveAsync("someone@checked.example")).Problem);

        // One reminder for two nodes: runs come one period apart, never a second node's run beside each.
        var runs = RecordingCheckRunner.Runs("checked.example");
        Assert.All(runs.Zip(runs.Skip(1)), pair => Assert.True(pair.Second.At - pair.First.At > TimeSpan.FromMilliseconds(500), $"two runs {pair.Second.At - pair.First.At} apart"));

        // Once the domain is gone, its next tick ends the reminder.
        await cluster.Service<DomainService>(0).RemoveAsync(tenant.TenantId, "checked.example", Test);
        while ((long)(await ClusterTests.ScalarAsync(database, "SELECT count(*) FROM orleans.reminders WHERE grain_id LIKE '%/checked.example'"))! > 0)
        {
            await Task.Delay(100, deadline.Token);
        }
    }
}

[CollectionDefinition(nameof(CountingDomainDirectoryStore), DisableParallelization = true)]
public sealed class CountingCollection;
