using HostedMail.Core;
using HostedMail.Core.Audit;
using HostedMail.Core.Directory;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Tenants;
using HostedMail.Testing;

namespace HostedMail.Grains.Tests;

/// <summary>
/// The domain's grain as the single writer of its domain: verification, DKIM rotation and
/// retirement and removal go through it, its RCPT memory follows its own writes, and a write acts
/// on the calling tenant's row of the name only.
/// </summary>
// In the directory-load collection: the RCPT test counts every silo's loads, and these load too.
[Collection(nameof(CountingDomainDirectoryStore))]
public sealed class DomainGrainWriteTests
{
    private const string Password = "correct horse battery staple";
    private static readonly Actor Test = new("test");

    [Fact]
    public async Task EveryWriteThroughTheGrainIsInItsNextRcptAnswerWithNoOtherPathTellingIt()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await DirectoryCluster.StartAsync(database, silos: 2);
        var tenants = cluster.Service<TenantService>(0);
        var tenant = await tenants.CreateAsync("writes", "big", Test);
        await tenants.AddDomainAsync(tenant.TenantId, "writes.example", Test);
        await tenants.CreateMailboxAsync(tenant.TenantId, "alice@writes.example", Password, null, null, Test);
        var grain = cluster.Client.GetGrain<IDomainGrain>("writes.example");

        // Pending: not hosted, and the grain holds that answer.
        Assert.Null(await grain.FindAsync("alice@writes.example"));
        var loads = await grain.LoadCountAsync();

        // Verified through the grain: its next answer is the verified directory (one load, after the write).
        var verification = await grain.VerifyAsync(tenant.TenantId, Test, operatorOverride: true);
        Assert.True(verification.IsVerified);
        Assert.Equal(DomainVerifiedBy.Operator, verification.Domain.VerifiedBy);
        var found = await grain.FindAsync("alice@writes.example");
        Assert.Equal(tenant.TenantId, found?.TenantId);
        Assert.Equal("alice@writes.example", found?.Mailbox?.Address);
        Assert.Equal(loads + 1, await grain.LoadCountAsync());

        // DKIM keys are no part of the RCPT answer: rotation and retirement are stored, and the directory stays.
        var directory = cluster.Service<ITenantDirectoryStore>(1);
        var rotated = await grain.RotateDkimAsync(tenant.TenantId, DkimKeyService.NewPrivateKeyPem(), Test);
        var keys = await directory.ListDkimKeysAsync(tenant.TenantId, verification.Domain.DomainId, default);
        Assert.Equal(2, keys.Count);
        Assert.Equal(rotated.Selector, keys[0].Selector);
        await grain.RetireDkimAsync(tenant.TenantId, keys[1].Selector, Test);
        Assert.Equal(new[] { rotated.Selector }, (await directory.ListDkimKeysAsync(tenant.TenantId, verification.Domain.DomainId, default)).Select(k => k.Selector));
        Assert.Equal("alice@writes.example", (await grain.FindAsync("alice@writes.example"))?.Mailbox?.Address);
        Assert.Equal(loads + 1, await grain.LoadCountAsync());

        // Removed through the grain: its next answer is "not hosted"; the mailbox went with the domain.
        await grain.RemoveAsync(tenant.TenantId, Test);
        Assert.Null(await grain.FindAsync("alice@writes.example"));
        Assert.Null(await cluster.Service<DomainService>(1).FindAsync(tenant.TenantId, "writes.example"));
        Assert.Empty(await cluster.Service<MailboxService>(1).ListAsync(tenant.TenantId));

        // Each write was audited with its actor, in its transaction.
        Assert.Equal("domain.verify,domain.dkim-rotate,domain.dkim-retire,domain.delete", await ClusterTests.ScalarAsync(database,
            $"SELECT string_agg(action, ',' ORDER BY audit_id) FROM audit_log WHERE tenant_id = {tenant.TenantId} AND actor = 'test' AND action IN ('domain.verify', 'domain.dkim-rotate', 'domain.dkim-retire', 'domain.delete')"));
    }

    [Fact]
    public async Task AnotherTenantsPendingRowOfTheSameNameIsUntouchedByTheVerifyingTenantsWrites()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await DirectoryCluster.StartAsync(database, silos: 2);
        var tenants = cluster.Service<TenantService>(0);
        var owner = await tenants.CreateAsync("shared-a", "big", Test);
        var other = await tenants.CreateAsync("shared-b", "big", Test);
        var third = await tenants.CreateAsync("shared-c", "big", Test);
        foreach (var tenant in new[] { owner, other, third })
        {
            await tenants.AddDomainAsync(tenant.TenantId, "shared.example", Test);
        }

        await tenants.CreateMailboxAsync(owner.TenantId, "alice@shared.example", Password, null, null, Test);
        await tenants.CreateMailboxAsync(other.TenantId, "bob@shared.example", Password, null, null, Test);
        var domains = cluster.Service<DomainService>(1);
        var directory = cluster.Service<ITenantDirectoryStore>(0);
        var othersRow = (await domains.FindAsync(other.TenantId, "shared.example"))!;
        var grain = cluster.Client.GetGrain<IDomainGrain>("shared.example");

        // The owner verifies, rotates and retires through the grain.
        await grain.VerifyAsync(owner.TenantId, Test, operatorOverride: true);
        Assert.Equal(owner.TenantId, (await grain.FindAsync("alice@shared.example"))?.TenantId);
        var loads = await grain.LoadCountAsync();
        var rotated = await grain.RotateDkimAsync(owner.TenantId, DkimKeyService.NewPrivateKeyPem(), Test);
        var ownerKeys = await directory.ListDkimKeysAsync(owner.TenantId, rotated.DomainId, default);
        await grain.RetireDkimAsync(owner.TenantId, ownerKeys.Single(k => k.Selector != rotated.Selector).Selector, Test);

        // The other tenant's row of the name: still pending, as it was, with no key of the owner's.
        Assert.Equal(othersRow, await domains.FindAsync(other.TenantId, "shared.example"));
        Assert.Empty(await directory.ListDkimKeysAsync(other.TenantId, othersRow.DomainId, default));

        // Its own writes neither verify it (the owner holds the name) nor touch the owner's directory.
        var refused = await Assert.ThrowsAsync<HostedMailException>(() => grain.VerifyAsync(other.TenantId, Test, operatorOverride: true));
        Assert.Equal(HostedMailError.Conflict, refused.Error);
        await grain.RemoveAsync(third.TenantId, Test);
        Assert.Null(await domains.FindAsync(third.TenantId, "shared.example"));
        Assert.Equal("alice@shared.example", (await grain.FindAsync("alice@shared.example"))?.Mailbox?.Address);
        Assert.Equal(loads, await grain.LoadCountAsync());

        // A tenant that has no row of the name is told so, and nothing changes.
        var stranger = await tenants.CreateAsync("shared-d", "big", Test);
        Assert.Equal(HostedMailError.NotFound, (await Assert.ThrowsAsync<HostedMailException>(() => grain.RemoveAsync(stranger.TenantId, Test))).Error);
        Assert.Equal(owner.TenantId, (await cluster.Service<IDomainStore>(0).FindVerifiedAsync("shared.example", default))?.TenantId);

        // The owner removes the domain: the other tenant's row and mailbox stay, and it can verify now.
        await grain.RemoveAsync(owner.TenantId, Test);
        Assert.Null(await grain.FindAsync("alice@shared.example"));
        Assert.Equal(othersRow, await domains.FindAsync(other.TenantId, "shared.example"));
        await grain.VerifyAsync(other.TenantId, Test, operatorOverride: true);
        Assert.Equal("bob@shared.example", (await grain.FindAsync("bob@shared.example"))?.Mailbox?.Address);
        Assert.Equal(other.TenantId, (await grain.FindAsync("bob@shared.example"))?.TenantId);
    }

    [Fact]
    public async Task ConcurrentRotationsThroughTwoNodesAddOneKeyAndTheOthersAreConflicts()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await DirectoryCluster.StartAsync(database, silos: 2);
        var tenants = cluster.Service<TenantService>(0);
        var tenant = await tenants.CreateAsync("rotate", "big", Test);
        var domain = await tenants.AddDomainAsync(tenant.TenantId, "rotate.example", Test, operatorVerified: true);
        await cluster.Service<DkimKeyService>(0).GetOrCreateAsync(tenant.TenantId, domain.DomainId);

        // Keys made first, so the rotations meet only at the grain.
        var pems = Enumerable.Range(0, 4).Select(_ => DkimKeyService.NewPrivateKeyPem()).ToArray();
        var outcomes = await Task.WhenAll(pems.Select(async (pem, i) =>
        {
            try
            {
                return (Key: await cluster.Service<DomainService>(i).RotateDkimAsync(tenant.TenantId, "rotate.example", pem, Test), Error: (HostedMailException?)null);
            }
            catch (HostedMailException ex)
            {
                return (Key: (DkimKey?)null, Error: ex);
            }
        }));

        var added = Assert.Single(outcomes, o => o.Key is not null).Key!;
        var refusals = outcomes.Where(o => o.Error is not null).Select(o => o.Error!).ToList();
        Assert.Equal(3, refusals.Count);
        // Refused by the grain's rule (each saw the first rotation's key), not by the store's unique selector.
        Assert.All(refusals, e =>
        {
            Assert.Equal(HostedMailError.Conflict, e.Error);
            Assert.StartsWith("Two keys are published already", e.Message, StringComparison.Ordinal);
        });
        var keys = await cluster.Service<ITenantDirectoryStore>(1).ListDkimKeysAsync(tenant.TenantId, domain.DomainId, default);
        Assert.Equal(2, keys.Count);
        Assert.Equal(added.Selector, keys[0].Selector);
        Assert.Equal(1L, await ClusterTests.ScalarAsync(database, $"SELECT count(*) FROM audit_log WHERE tenant_id = {tenant.TenantId} AND action = 'domain.dkim-rotate'"));
    }
}
