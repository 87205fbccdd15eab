using HostedMail.Core.Audit;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using HostedMail.Core.Tenants;
using HostedMail.Identity.MailLogin;
using HostedMail.Testing;
using Orleans;
using Orleans.Core.Internal;
using Orleans.TestingHost;

namespace HostedMail.Grains.Tests;

/// <summary>
/// Credential revocations through the grains (issue 14; LISTEN/NOTIFY is gone): each silo's
/// <see cref="ICredentialRevocationFeed"/> stands for one node's session registry, the Core
/// services on another silo for the portal or CLI that revokes.
/// </summary>
public sealed class CredentialRevocationTests
{
    private const string Password = "correct horse battery staple";
    private const string NewPassword = "amber glacier lantern two";
    private static readonly Actor Test = new("test");
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task APasswordChangeThroughOneSiloEndsTheMailboxsSessionsOnTheOtherAndNoOtherMailboxs()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await DirectoryCluster.StartAsync(database, silos: 2);
        var tenantId = await TenantAsync(cluster, "push");
        var alice = await LoginAsync(cluster, tenantId, "alice@push.example");
        var bob = await LoginAsync(cluster, tenantId, "bob@push.example");
        var onB = cluster.Service<ICredentialRevocationFeed>(1);
        var aliceEnded = new Ended();
        var bobEnded = new Ended();
        using var aliceSession = onB.Watch(alice, aliceEnded.Signal);
        using var bobSession = onB.Watch(bob, bobEnded.Signal);
        await WatchedAsync(cluster, alice, 1);
        await WatchedAsync(cluster, bob, 1);

        await cluster.Service<MailboxService>(0).SetPasswordAsync(tenantId, "alice@push.example", NewPassword, Test);
        await aliceEnded.WaitAsync();

        // Bob's session is untouched: deleting his mailbox ends it, and only then.
        Assert.False(bobEnded.Fired);
        await cluster.Service<MailboxService>(0).DeleteAsync(tenantId, "bob@push.example", Test);
        await bobEnded.WaitAsync();
    }

    [Fact]
    public async Task ARevocationTheGrainWasNeverToldIsCaughtWhenTheGrainMovesAndOneAfterTheMoveIsPushed()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await DirectoryCluster.StartAsync(database, silos: 2);
        var tenantId = await TenantAsync(cluster, "moves");
        var carol = await LoginAsync(cluster, tenantId, "carol@moves.example");
        var dave = await LoginAsync(cluster, tenantId, "dave@moves.example");
        var onB = cluster.Service<ICredentialRevocationFeed>(1);
        var carolEnded = new Ended();
        var daveEnded = new Ended();
        using var carolSession = onB.Watch(carol, carolEnded.Signal);
        using var daveSession = onB.Watch(dave, daveEnded.Signal);
        await WatchedAsync(cluster, carol, 1);
        await WatchedAsync(cluster, dave, 1);

        // The fallback: carol's stamp moves behind the grain's back (hand-written SQL), then her grain
        // deactivates; the node watches the new activation, which reads the moved stamp.
        await ClusterTests.ScalarAsync(database, $"UPDATE mailboxes SET password_hash = 'changed elsewhere' WHERE mailbox_id = {carol.MailboxId}");
        Assert.False(carolEnded.Fired);
        await Deactivate(cluster, carol);
        await carolEnded.WaitAsync();

        // Dave's grain deactivates between two changes: the node watches its next activation, and
        // the revocation made after the move is pushed by it.
        await Deactivate(cluster, dave);
        await WatchedAsync(cluster, dave, 1);
        Assert.False(daveEnded.Fired);
        await cluster.Service<MailboxService>(0).SetPasswordAsync(tenantId, "dave@moves.example", NewPassword, Test);
        await daveEnded.WaitAsync();
    }

    [Fact]
    public async Task ASuspensionThroughTheTenantsGrainEndsEverySessionOfTheTenantAndAWatchAfterItEndsItToo()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await DirectoryCluster.StartAsync(database, silos: 2);
        var tenantId = await TenantAsync(cluster, "susp");
        var erin = await LoginAsync(cluster, tenantId, "erin@susp.example");
        var frank = await LoginAsync(cluster, tenantId, "frank@susp.example");
        var erinEnded = new Ended();
        var frankEnded = new Ended();
        using var erinSession = cluster.Service<ICredentialRevocationFeed>(1).Watch(erin, erinEnded.Signal);
        await WatchedAsync(cluster, erin, 1);

        await cluster.Service<TenantService>(0).SuspendAsync("susp", Test);
        await erinEnded.WaitAsync();

        // A session whose node starts watching only after the suspension (it logged in just before)
        // ends when its watches land: the grains answer that the tenant is suspended.
        using var frankSession = cluster.Service<ICredentialRevocationFeed>(0).Watch(frank, frankEnded.Signal);
        await frankEnded.WaitAsync();
    }

    [Fact]
    public async Task RemovingADomainThroughItsGrainEndsItsMailboxesSessionsAtOnceAndNoOtherDomains()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await DirectoryCluster.StartAsync(database, silos: 2);
        var tenantId = await TenantAsync(cluster, "gone");
        await cluster.Service<DomainService>(0).AddAsync(tenantId, "stays.example", Test, operatorVerified: true);
        var gina = await LoginAsync(cluster, tenantId, "gina@gone.example");
        var hank = await LoginAsync(cluster, tenantId, "hank@stays.example");
        var onB = cluster.Service<ICredentialRevocationFeed>(1);
        var ginaEnded = new Ended();
        var hankEnded = new Ended();
        using var ginaSession = onB.Watch(gina, ginaEnded.Signal);
        using var hankSession = onB.Watch(hank, hankEnded.Signal);
        await WatchedAsync(cluster, gina, 1);
        await WatchedAsync(cluster, hank, 1);

        // Pushed by the domain's grain after the commit: well before the watches' renewal (30 s) would find it.
        await cluster.Service<DomainService>(0).RemoveAsync(tenantId, "gone.example", Test);
        await ginaEnded.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(hankEnded.Fired);
    }

    [Theory]
    [InlineData(5L, 5L, false)]
    [InlineData(5L, 6L, true)]
    [InlineData(6L, 5L, false)]
    [InlineData(5L, null, true)]
    [InlineData(null, 6L, false)]
    [InlineData(null, null, true)]
    public void ALoginIsRevokedByAnOlderStampOrAMailboxThatMayNotLogIn(long? loginStamp, long? current, bool revoked) =>
        Assert.Equal(revoked, new SessionLogin(1, 2, loginStamp).IsRevokedBy(current));

    private static async Task<long> TenantAsync(InProcessTestCluster cluster, string name)
    {
        var tenant = await cluster.Service<TenantService>(0).CreateAsync(name, "big", Test);
        await cluster.Service<DomainService>(0).AddAsync(tenant.TenantId, name + ".example", Test, operatorVerified: true);
        return tenant.TenantId;
    }

    /// <summary>Creates the mailbox and logs in as a session would: the stamp read before the password is checked.</summary>
    private static async Task<SessionLogin> LoginAsync(InProcessTestCluster cluster, long tenantId, string address)
    {
        var mailboxes = cluster.Service<MailboxService>(0);
        await cluster.Service<TenantService>(0).CreateMailboxAsync(tenantId, address, Password, 1L << 20, null, Test);
        var stamp = await mailboxes.CredentialStampAsync(address);
        var login = await cluster.Service<MailboxSignIn>(0).LoginAsync(address, Password);
        Assert.NotNull(login);
        return new SessionLogin(tenantId, login.Mailbox.MailboxId, stamp);
    }

    private static async Task Deactivate(InProcessTestCluster cluster, SessionLogin login) =>
        await cluster.Client.GetGrain<ICredentialHubGrain>(MailboxGrainKeys.Of(login.TenantId, login.MailboxId)).AsReference<IGrainManagementExtension>().DeactivateOnIdle();

    /// <summary>Waits until the mailbox's grain knows <paramref name="watchers"/> credential watchers (watches are made in the background).</summary>
    private static async Task WatchedAsync(InProcessTestCluster cluster, SessionLogin login, int watchers)
    {
        var hub = cluster.Client.GetGrain<ICredentialHubGrain>(MailboxGrainKeys.Of(login.TenantId, login.MailboxId));
        using var deadline = new CancellationTokenSource(Deadline);
        while (await hub.CredentialWatcherCountAsync() != watchers)
        {
            await Task.Delay(50, deadline.Token);
        }
    }

    /// <summary>A session's end: what the registry's callback does (signal only).</summary>
    private sealed class Ended
    {
        private readonly TaskCompletionSource _fired = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Fired => _fired.Task.IsCompleted;

        public void Signal() => _fired.TrySetResult();

        public Task WaitAsync() => WaitAsync(Deadline);

        public Task WaitAsync(TimeSpan timeout) => _fired.Task.WaitAsync(timeout);
    }
}
