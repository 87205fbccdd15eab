using System.Collections.Concurrent;
using HostedMail.Core.Imap;
using HostedMail.Core.Messages;
using HostedMail.Core.Outbound;
using HostedMail.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Core.Internal;
using Orleans.TestingHost;

namespace HostedMail.Grains.Tests;

/// <summary>
/// The mailbox's grain as maildrop lock and folder change hub, and the destination slots, on a
/// two-silo cluster: each silo's services stand for one node's.
/// </summary>
public sealed class MailboxCoordinationTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TheMaildropLockIsExclusiveAcrossSilosAndFreeAgainAfterRelease()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await PostgresCluster.StartAsync(database, silos: 2);
        var onA = Service<IMaildropLock>(cluster, 0);
        var onB = Service<IMaildropLock>(cluster, 1);

        var held = await onA.TryAcquireAsync(1, 7, CancellationToken.None);
        Assert.NotNull(held);
        Assert.Null(await onB.TryAcquireAsync(1, 7, CancellationToken.None));
        Assert.Null(await onA.TryAcquireAsync(1, 7, CancellationToken.None));
        // Another mailbox is not affected.
        await using (var other = await onB.TryAcquireAsync(1, 8, CancellationToken.None))
        {
            Assert.NotNull(other);
        }

        await held!.DisposeAsync();
        await using var next = await onB.TryAcquireAsync(1, 7, CancellationToken.None);
        Assert.NotNull(next);
    }

    [Fact]
    public async Task AMaildropLeaseThatIsNotRenewedEndsAndARenewedOneDoesNot()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        // The handle renews every third of the configured lease (1 s here: a renewal may be late by
        // 2 s under a loaded machine before the assertion below could see the lock free; 300 ms
        // failed once under full script/test load). The never-renewing holder asks for 300 ms itself.
        await using var cluster = await PostgresCluster.StartAsync(database, silos: 2, coordination: new MailboxCoordinationOptions { MaildropLease = TimeSpan.FromSeconds(3) });
        var grain = cluster.Client.GetGrain<IMaildropLockGrain>(MailboxGrainKeys.Of(1, 7));
        var node = cluster.Silos[0].SiloAddress.ToParsableString();

        // A holder that never renews (its node hung): the lock frees itself.
        Assert.True(await grain.TryLockAsync(Guid.NewGuid(), node, TimeSpan.FromMilliseconds(300)));
        var taker = Guid.NewGuid();
        Assert.False(await grain.TryLockAsync(taker, node, TimeSpan.FromMinutes(1)));
        await Until(() => grain.TryLockAsync(taker, node, TimeSpan.FromMilliseconds(300)));

        // A handle renews: while it is held, nobody gets the lock, however many lease lengths pass.
        await grain.ReleaseAsync(taker);
        var onA = Service<IMaildropLock>(cluster, 0);
        await using var held = await onA.TryAcquireAsync(1, 7, CancellationToken.None);
        Assert.NotNull(held);
        for (var i = 0; i < 20; i++)
        {
            Assert.False(await grain.TryLockAsync(Guid.NewGuid(), node, TimeSpan.FromMinutes(1)));
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task DestinationSlotsAreCountedAcrossSilosAndAWaitingJobGetsTheFreedSlot()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await PostgresCluster.StartAsync(database, silos: 2);
        var onA = Service<IDestinationLimiter>(cluster, 0);
        var onB = Service<IDestinationLimiter>(cluster, 1);

        var first = await onA.AcquireAsync("example.net", 2, CancellationToken.None);
        var second = await onB.AcquireAsync("EXAMPLE.net", 2, CancellationToken.None);
        var grain = cluster.Client.GetGrain<IDestinationLimiterGrain>("example.net");
        Assert.Equal(2, await grain.CountAsync());

        var third = onA.AcquireAsync("example.net", 2, CancellationToken.None);
        // Full: a direct ask is refused, so the third waits.
        Assert.False(await grain.TryAcquireAsync(Guid.NewGuid(), cluster.Silos[0].SiloAddress.ToParsableString(), 2, TimeSpan.FromMinutes(1)));
        Assert.False(third.IsCompleted);

        await second.DisposeAsync();
        var slot = await third.WaitAsync(Deadline);
        Assert.Equal(2, await grain.CountAsync());
        await slot.DisposeAsync();
        await first.DisposeAsync();
        Assert.Equal(0, await grain.CountAsync());

        // Another destination has its own slots.
        await using var other = await onB.AcquireAsync("example.org", 1, CancellationToken.None);
        Assert.Equal(1, await cluster.Client.GetGrain<IDestinationLimiterGrain>("example.org").CountAsync());
    }

    [Fact]
    public async Task ADestinationLeaseWhoseHolderStoppedRenewingEnds()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await PostgresCluster.StartAsync(database, silos: 2);
        var grain = cluster.Client.GetGrain<IDestinationLimiterGrain>("example.net");
        var node = cluster.Silos[1].SiloAddress.ToParsableString();
        Assert.True(await grain.TryAcquireAsync(Guid.NewGuid(), node, 1, TimeSpan.FromMilliseconds(200)));
        Assert.False(await grain.TryAcquireAsync(Guid.NewGuid(), node, 1, TimeSpan.FromMinutes(1)));

        // The limiter on the other silo gets the slot once the unrenewed lease has ended.
        await using var slot = await Service<IDestinationLimiter>(cluster, 0).AcquireAsync("example.net", 1, CancellationToken.None).WaitAsync(Deadline);
        Assert.Equal(1, await grain.CountAsync());
    }

    [Fact]
    public async Task TheHubPassesAChangeToTheWatcherOfTheOtherSiloAndTheOriginNodeHearsItAtOnce()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await PostgresCluster.StartAsync(database, silos: 2,
            coordination: new MailboxCoordinationOptions { WatchRenewal = TimeSpan.FromHours(1), WatchLinger = TimeSpan.Zero });
        var onA = new Recorder(Service<IFolderChangeFeed>(cluster, 0), 1, 7, 3);
        var onB = new Recorder(Service<IFolderChangeFeed>(cluster, 1), 1, 7, 3);
        await WatchedAsync(cluster, 1, 7, 2);
        // When the first watch lands the sessions run their change query once: a change committed
        // between their SELECT and the watch taking effect reaches them then, not at the IDLE poll.
        await onA.WaitForAsync(long.MaxValue);
        await onB.WaitForAsync(long.MaxValue);

        Service<IFolderChangeNotifier>(cluster, 0).Changed(1, 7, 3, 42);
        Assert.Contains(42L, onA.Seen);
        await onB.WaitForAsync(42);

        Service<IFolderChangeNotifier>(cluster, 1).Changed(1, 7, 4, 43);
        Service<IFolderChangeNotifier>(cluster, 1).Changed(1, 7, 3, 44);
        await onA.WaitForAsync(44);
        // Folder 4 has no subscriber; it reaches nobody.
        Assert.DoesNotContain(43L, onA.Seen);
        Assert.DoesNotContain(43L, onB.Seen);

        // A silo whose last session left stops watching (here at once: no linger).
        onB.Dispose();
        await Until(() => Task.FromResult(((Mailboxes.FolderChangeWatcher)Service<IFolderChangeFeed>(cluster, 1)).WatchedCount == 0));
        await WatchedAsync(cluster, 1, 7, 1);
        onA.Dispose();
    }

    [Fact]
    public async Task ASessionArrivingWhileTheWatchLingersUsesItWithoutCallingTheGrain()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await PostgresCluster.StartAsync(database, silos: 2,
            coordination: new MailboxCoordinationOptions { WatchRenewal = TimeSpan.FromHours(1), WatchLinger = TimeSpan.FromHours(1) });
        var onB = new Recorder(Service<IFolderChangeFeed>(cluster, 1), 1, 7, 3);
        await WatchedAsync(cluster, 1, 7, 1);
        await onB.WaitForAsync(long.MaxValue);
        onB.Dispose();

        // The last session left; the node keeps its watch (the grain still knows it).
        var watcher = (Mailboxes.FolderChangeWatcher)Service<IFolderChangeFeed>(cluster, 1);
        Assert.Equal(1, watcher.WatchedCount);
        var hub = cluster.Client.GetGrain<IFolderChangeHubGrain>(MailboxGrainKeys.Of(1, 7));
        Assert.Equal(1, await hub.WatcherCountAsync());

        // The next session's arrival makes no watch: no resynchronisation (which a new watch
        // causes), and a change from the other node reaches it through the watch that lingered.
        var again = new Recorder(watcher, 1, 7, 3);
        Service<IFolderChangeNotifier>(cluster, 0).Changed(1, 7, 3, 60);
        await again.WaitForAsync(60);
        Assert.DoesNotContain(long.MaxValue, again.Seen);
        again.Dispose();
    }

    [Fact]
    public async Task AfterTheGrainDeactivatesTheWatchersWatchTheNewActivationAndHearItsChanges()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        // No periodic renewal within the test: only the grain's HubClosing can bring the watchers back.
        await using var cluster = await PostgresCluster.StartAsync(database, silos: 2, coordination: new MailboxCoordinationOptions { WatchRenewal = TimeSpan.FromHours(1) });
        var onA = new Recorder(Service<IFolderChangeFeed>(cluster, 0), 1, 7, 3);
        var onB = new Recorder(Service<IFolderChangeFeed>(cluster, 1), 1, 7, 3);
        await WatchedAsync(cluster, 1, 7, 2);
        await onA.WaitForAsync(long.MaxValue);
        await onB.WaitForAsync(long.MaxValue);
        onA.Clear();
        onB.Clear();

        var hub = cluster.Client.GetGrain<IFolderChangeHubGrain>(MailboxGrainKeys.Of(1, 7));
        await hub.AsReference<IGrainManagementExtension>().DeactivateOnIdle();

        // Both watch the new activation, which did not know them: their sessions resynchronise.
        await onA.WaitForAsync(long.MaxValue);
        await onB.WaitForAsync(long.MaxValue);
        Service<IFolderChangeNotifier>(cluster, 0).Changed(1, 7, 3, 50);
        await onB.WaitForAsync(50);
        Service<IFolderChangeNotifier>(cluster, 1).Changed(1, 7, 3, 51);
        await onA.WaitForAsync(51);
        onA.Dispose();
        onB.Dispose();
    }

    /// <summary>Waits until the mailbox's grain knows <paramref name="watchers"/> watchers (the first watch is made in the background).</summary>
    private static async Task WatchedAsync(InProcessTestCluster cluster, long tenantId, long mailboxId, int watchers)
    {
        var hub = cluster.Client.GetGrain<IFolderChangeHubGrain>(MailboxGrainKeys.Of(tenantId, mailboxId));
        await Until(async () => await hub.WatcherCountAsync() == watchers);
    }

    private static T Service<T>(InProcessTestCluster cluster, int silo)
        where T : notnull => cluster.Silos[silo].ServiceProvider.GetRequiredService<T>();

    private static async Task Until(Func<Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (!await condition())
        {
            await Task.Delay(50, deadline.Token);
        }
    }

    /// <summary>A session's subscription: records what it was told.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly ConcurrentQueue<long> _seen = new();
        private readonly IDisposable _subscription;
        private readonly SemaphoreSlim _signal = new(0);

        public Recorder(IFolderChangeFeed feed, long tenantId, long mailboxId, long folderId) =>
            _subscription = feed.Subscribe(tenantId, mailboxId, folderId, modSeq =>
            {
                _seen.Enqueue(modSeq);
                _signal.Release();
            });

        public IReadOnlyCollection<long> Seen => _seen.ToArray();

        public void Clear() => _seen.Clear();

        public async Task WaitForAsync(long modSeq)
        {
            using var deadline = new CancellationTokenSource(Deadline);
            while (!_seen.Contains(modSeq))
            {
                await _signal.WaitAsync(deadline.Token);
            }
        }

        public void Dispose() => _subscription.Dispose();
    }
}
