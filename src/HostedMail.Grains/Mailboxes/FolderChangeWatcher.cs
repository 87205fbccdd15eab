using System.Collections.Concurrent;
using HostedMail.Core.Imap;
using HostedMail.Core.Messages;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace HostedMail.Grains.Mailboxes;

/// <summary>
/// The node's one watcher of mailbox grains (ARCHITECTURE.md, "Push through grains"): it watches
/// the grain of every mailbox this node's IMAP sessions have selected, fans the grain's changes out
/// to the sessions, and passes this node's committed changes to the grain for the other nodes.
/// </summary>
// Implementation notes:
// - A watch is an Orleans observer registration, which lives only in the grain's activation. It
//   is renewed every WatchRenewal; after the grain moved (deactivation, its node's death) the
//   renewal finds itself forgotten and the mailbox's sessions resynchronise (long.MaxValue): they
//   run the change query, so a notification lost in the move costs at most one renewal period.
// - Faster than that: a grain that deactivates says so (HubClosing) and is watched again at once,
//   and when membership declares any node dead every watch is renewed at once (the grains that
//   lived there come back on the survivors, empty).
// - A watch that fails (grain unreachable while membership changes) is retried every WatchRetry.
// - The first watch of a mailbox does not resynchronise its sessions (a session that just
//   selected has just read the folder; a forced check then would also race whatever ends the
//   session, e.g. a revocation). A change another node commits in the milliseconds between a
//   session's SELECT and the first watch taking effect waits for the next change or IDLE poll.
internal sealed class FolderChangeWatcher : IFolderChangeFeed, IFolderChangeNotifier, IFolderChangeWatcher, IAsyncDisposable
{
    private readonly ConcurrentDictionary<(long Tenant, long Folder), Subscription[]> _subscribers = new();
    private readonly Dictionary<(long Tenant, long Mailbox), int> _watched = [];
    private readonly ConcurrentDictionary<(long Tenant, long Mailbox), byte> _retry = new();
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly IGrainFactory _grains;
    private readonly ILocalSiloDetails _silo;
    private readonly IClusterMembershipService _membership;
    private readonly MailboxCoordinationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private IFolderChangeWatcher? _self;
    private string? _node;
    private Task? _loops;

    public FolderChangeWatcher(IGrainFactory grains, ILocalSiloDetails silo, IClusterMembershipService membership, MailboxCoordinationOptions options,
        TimeProvider time, ILogger<FolderChangeWatcher> logger)
    {
        _grains = grains;
        _silo = silo;
        _membership = membership;
        _options = options;
        _time = time;
        _logger = logger;
    }

    private string Node => _node ??= _silo.SiloAddress.ToParsableString();

    public IDisposable Subscribe(long tenantId, long mailboxId, long folderId, Action<long> onChange)
    {
        var subscription = new Subscription(this, (tenantId, folderId), (tenantId, mailboxId), onChange);
        _subscribers.AddOrUpdate(subscription.Key, _ => [subscription], (_, existing) => [.. existing, subscription]);
        bool first;
        lock (_lock)
        {
            _watched[subscription.Mailbox] = (first = !_watched.TryGetValue(subscription.Mailbox, out var n)) ? 1 : n + 1;
            _loops ??= Task.Run(() => Task.WhenAll(RenewLoopAsync(), MembershipLoopAsync()));
        }

        if (first)
        {
            _ = WatchAsync(subscription.Mailbox, initial: true);
        }

        return subscription;
    }

    /// <summary>A change committed on this node: its own sessions now, other nodes' through the mailbox's grain.</summary>
    public void Changed(long tenantId, long mailboxId, long folderId, long modSeq)
    {
        Publish(tenantId, folderId, modSeq);
        try
        {
            var sent = _grains.GetGrain<IFolderChangeHubGrain>(MailboxGrainKeys.Of(tenantId, mailboxId)).ChangedAsync(folderId, modSeq, Node);
            _ = sent.ContinueWith(t => _logger.LogDebug(t.Exception, "Could not tell mailbox {Tenant}/{Mailbox}'s grain of a change", tenantId, mailboxId),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Never fails the change: other nodes' sessions catch up at their renewal or poll.
            _logger.LogDebug(ex, "Could not tell mailbox {Tenant}/{Mailbox}'s grain of a change", tenantId, mailboxId);
        }
    }

    Task IFolderChangeWatcher.FolderChangedAsync(long tenantId, long mailboxId, long folderId, long modSeq)
    {
        Publish(tenantId, folderId, modSeq);
        return Task.CompletedTask;
    }

    Task IFolderChangeWatcher.HubClosingAsync(long tenantId, long mailboxId)
    {
        // Watch the next activation now (the call waits for this one to finish deactivating).
        _ = WatchAsync((tenantId, mailboxId));
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        if (_loops is not null)
        {
            await _loops.ConfigureAwait(false);
        }

        if (_self is not null)
        {
            try
            {
                _grains.DeleteObjectReference<IFolderChangeWatcher>(_self);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger.LogDebug(ex, "Could not delete the watcher's observer reference");
            }
        }
    }

    /// <summary>Watches (or renews the watch of) one mailbox's grain; resynchronises its sessions when the grain did not know this node.</summary>
    private async Task WatchAsync((long Tenant, long Mailbox) mailbox) => await WatchAsync(mailbox, initial: false).ConfigureAwait(false);

    private async Task WatchAsync((long Tenant, long Mailbox) mailbox, bool initial)
    {
        try
        {
            lock (_lock)
            {
                if (!_watched.ContainsKey(mailbox))
                {
                    return;
                }

                _self ??= _grains.CreateObjectReference<IFolderChangeWatcher>(this);
            }

            var hub = _grains.GetGrain<IFolderChangeHubGrain>(MailboxGrainKeys.Of(mailbox.Tenant, mailbox.Mailbox));
            var known = await hub.WatchAsync(_self, Node).WaitAsync(_options.CallTimeout, _stop.Token).ConfigureAwait(false);
            _retry.TryRemove(mailbox, out _);
            if (!known && !initial)
            {
                Resynchronise(mailbox);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogDebug(ex, "Could not watch mailbox {Tenant}/{Mailbox}; retrying", mailbox.Tenant, mailbox.Mailbox);
            _retry[mailbox] = 0;
        }
    }

    private async Task UnwatchAsync((long Tenant, long Mailbox) mailbox)
    {
        _retry.TryRemove(mailbox, out _);
        if (_self is null)
        {
            return;
        }

        try
        {
            await _grains.GetGrain<IFolderChangeHubGrain>(MailboxGrainKeys.Of(mailbox.Tenant, mailbox.Mailbox)).UnwatchAsync(_self).WaitAsync(_options.CallTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The grain forgets the watch by itself after three renewal periods.
            _logger.LogDebug(ex, "Could not unwatch mailbox {Tenant}/{Mailbox}", mailbox.Tenant, mailbox.Mailbox);
        }
    }

    private Task WatchAllAsync()
    {
        List<(long, long)> mailboxes;
        lock (_lock)
        {
            mailboxes = [.. _watched.Keys];
        }

        return Task.WhenAll(mailboxes.Select(WatchAsync));
    }

    /// <summary>Renews every watch each WatchRenewal, and retries failed ones each WatchRetry.</summary>
    private async Task RenewLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.WatchRetry, _time);
        var nextRenewal = _time.GetUtcNow() + _options.WatchRenewal;
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                if (_time.GetUtcNow() >= nextRenewal)
                {
                    nextRenewal = _time.GetUtcNow() + _options.WatchRenewal;
                    await WatchAllAsync().ConfigureAwait(false);
                }
                else if (!_retry.IsEmpty)
                {
                    await Task.WhenAll(_retry.Keys.ToList().Select(WatchAsync)).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>When membership declares a node dead, the grains it hosted come back empty elsewhere: watch them again now.</summary>
    private async Task MembershipLoopAsync()
    {
        HashSet<SiloAddress>? dead = null;
        try
        {
            await foreach (var snapshot in _membership.MembershipUpdates.WithCancellation(_stop.Token).ConfigureAwait(false))
            {
                var now = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead).Select(m => m.SiloAddress).ToHashSet();
                if (dead is not null && !now.IsSubsetOf(dead))
                {
                    _logger.LogInformation("A node was declared dead; watching every served mailbox's grain again");
                    await WatchAllAsync().ConfigureAwait(false);
                }

                dead = now;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogWarning(ex, "Stopped following cluster membership; watches are renewed every {Period}", _options.WatchRenewal);
        }
    }

    private void Resynchronise((long Tenant, long Mailbox) mailbox)
    {
        foreach (var subscriptions in _subscribers.Values)
        {
            foreach (var s in subscriptions)
            {
                if (s.Mailbox == mailbox)
                {
                    s.Invoke(long.MaxValue);
                }
            }
        }
    }

    private void Publish(long tenantId, long folderId, long modSeq)
    {
        if (_subscribers.TryGetValue((tenantId, folderId), out var subscriptions))
        {
            foreach (var s in subscriptions)
            {
                s.Invoke(modSeq);
            }
        }
    }

    private void Remove(Subscription subscription)
    {
        while (_subscribers.TryGetValue(subscription.Key, out var existing))
        {
            var without = existing.Where(s => s != subscription).ToArray();
            var done = without.Length == 0
                ? _subscribers.TryRemove(new KeyValuePair<(long, long), Subscription[]>(subscription.Key, existing))
                : _subscribers.TryUpdate(subscription.Key, without, existing);
            if (done)
            {
                break;
            }
        }

        bool last;
        lock (_lock)
        {
            var n = _watched[subscription.Mailbox] - 1;
            last = n == 0;
            if (last)
            {
                _watched.Remove(subscription.Mailbox);
            }
            else
            {
                _watched[subscription.Mailbox] = n;
            }
        }

        if (last)
        {
            _ = UnwatchAsync(subscription.Mailbox);
        }
    }

    /// <summary>Mailboxes this node watches now (tests).</summary>
    internal int WatchedCount
    {
        get
        {
            lock (_lock)
            {
                return _watched.Count;
            }
        }
    }

    private sealed class Subscription(FolderChangeWatcher feed, (long, long) key, (long, long) mailbox, Action<long> onChange) : IDisposable
    {
        private int _disposed;

        public (long Tenant, long Folder) Key { get; } = key;

        public (long Tenant, long Mailbox) Mailbox { get; } = mailbox;

        public void Invoke(long modSeq)
        {
            if (Volatile.Read(ref _disposed) == 0)
            {
                onChange(modSeq);
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                feed.Remove(this);
            }
        }
    }
}
