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
// - Watches are kept by GrainWatches: renewed every WatchRenewal, at once after the grain
//   deactivates (HubClosing) and when a node is declared dead, retried after a failure.
// - When the node's first watch of a mailbox lands, and whenever a watch lands in an activation
//   that did not know this node (a renewal after the grain moved), the mailbox's sessions
//   resynchronise once (long.MaxValue): they run the change query, so a change committed before
//   the watch took effect (between a session's SELECT and its node's first watch, or sent to the
//   grain while it moved) reaches them then, not at the IDLE poll.
internal sealed class FolderChangeWatcher : IFolderChangeFeed, IFolderChangeNotifier, IFolderChangeWatcher, IAsyncDisposable
{
    private readonly ConcurrentDictionary<(long Tenant, long Folder), Subscription[]> _subscribers = new();
    private readonly Lock _lock = new();
    private readonly IGrainFactory _grains;
    private readonly ILocalSiloDetails _silo;
    private readonly ILogger _logger;
    private readonly GrainWatches<(long Tenant, long Mailbox)> _watches;
    private IFolderChangeWatcher? _self;
    private string? _node;

    public FolderChangeWatcher(IGrainFactory grains, ILocalSiloDetails silo, IClusterMembershipService membership, MailboxCoordinationOptions options,
        TimeProvider time, ILogger<FolderChangeWatcher> logger)
    {
        _grains = grains;
        _silo = silo;
        _logger = logger;
        _watches = new GrainWatches<(long Tenant, long Mailbox)>(WatchAsync, UnwatchAsync, membership, options, time, logger);
    }

    private string Node => _node ??= _silo.SiloAddress.ToParsableString();

    public IDisposable Subscribe(long tenantId, long mailboxId, long folderId, Action<long> onChange)
    {
        var subscription = new Subscription(this, (tenantId, folderId), (tenantId, mailboxId), onChange);
        _subscribers.AddOrUpdate(subscription.Key, _ => [subscription], (_, existing) => [.. existing, subscription]);
        _watches.Add(subscription.Mailbox);
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
        _ = _watches.WatchAsync((tenantId, mailboxId));
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _watches.DisposeAsync().ConfigureAwait(false);
        IFolderChangeWatcher? self;
        lock (_lock)
        {
            self = _self;
            _self = null;
        }

        if (self is not null)
        {
            try
            {
                _grains.DeleteObjectReference<IFolderChangeWatcher>(self);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger.LogDebug(ex, "Could not delete the watcher's observer reference");
            }
        }
    }

    /// <summary>
    /// Watches (or renews the watch of) one mailbox's grain; resynchronises its sessions after the
    /// node's first watch of it, and whenever the grain did not know this node.
    /// </summary>
    private async Task WatchAsync((long Tenant, long Mailbox) mailbox, bool first, CancellationToken cancellationToken)
    {
        IFolderChangeWatcher self;
        lock (_lock)
        {
            self = _self ??= _grains.CreateObjectReference<IFolderChangeWatcher>(this);
        }

        var known = await _grains.GetGrain<IFolderChangeHubGrain>(MailboxGrainKeys.Of(mailbox.Tenant, mailbox.Mailbox)).WatchAsync(self, Node).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (first || !known)
        {
            Resynchronise(mailbox);
        }
    }

    private async Task UnwatchAsync((long Tenant, long Mailbox) mailbox)
    {
        var self = _self;
        if (self is null)
        {
            return;
        }

        try
        {
            await _grains.GetGrain<IFolderChangeHubGrain>(MailboxGrainKeys.Of(mailbox.Tenant, mailbox.Mailbox)).UnwatchAsync(self).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The grain forgets the watch by itself after three renewal periods.
            _logger.LogDebug(ex, "Could not unwatch mailbox {Tenant}/{Mailbox}", mailbox.Tenant, mailbox.Mailbox);
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

        _watches.Remove(subscription.Mailbox);
    }

    /// <summary>Mailboxes this node watches now (tests).</summary>
    internal int WatchedCount => _watches.Count;

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
