using System.Collections.Concurrent;
using System.Globalization;
using HostedMail.Core.Imap;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace HostedMail.Storage.Stores;

/// <summary>
/// One LISTEN connection per node on the folder channel, fanned out to the subscribed sessions
/// (ARCHITECTURE.md, "Cross-node push"). Started by the first subscription; reconnects with a
/// growing delay and then tells every subscriber to resynchronise, since NOTIFYs sent while it
/// was away are lost.
/// </summary>
internal sealed class PostgresFolderChangeFeed : IFolderChangeFeed, IAsyncDisposable
{
    private readonly ConcurrentDictionary<(long Tenant, long Folder), Subscription[]> _subscribers = new();
    private readonly PostgresListener _listener;

    public PostgresFolderChangeFeed(NpgsqlDataSource dataSource, TimeProvider? timeProvider = null, ILogger<PostgresFolderChangeFeed>? logger = null)
    {
        _listener = new PostgresListener(dataSource, PostgresMessageStore.FolderChannel, Dispatch, ResynchroniseAll,
            (ILogger?)logger ?? NullLogger.Instance, timeProvider ?? TimeProvider.System);
    }

    public IDisposable Subscribe(long tenantId, long folderId, Action<long> onChange)
    {
        var subscription = new Subscription(this, (tenantId, folderId), onChange);
        _subscribers.AddOrUpdate(subscription.Key, _ => [subscription], (_, existing) => [.. existing, subscription]);
        _listener.EnsureStarted();
        return subscription;
    }

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

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
                return;
            }
        }
    }

    /// <summary>Anything that changed before LISTEN took effect was not heard: everyone re-checks.</summary>
    private void ResynchroniseAll()
    {
        foreach (var subscriptions in _subscribers.Values)
        {
            foreach (var s in subscriptions)
            {
                s.Invoke(long.MaxValue);
            }
        }
    }

    private void Dispatch(string payload)
    {
        // Payload: tenant:folder:modseq (PostgresMessageStore.DeliverSql and the IMAP store).
        var parts = payload.Split(':');
        if (parts.Length != 3
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var tenant)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var folder)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var modSeq))
        {
            return;
        }

        Publish(tenant, folder, modSeq);
    }

    /// <summary>
    /// Tells this node's subscribers at once about a change this node committed, before the session
    /// that made it answers its client: another session here that runs a command after that answer
    /// sees the change (its NOTIFY, which other nodes rely on, may arrive later). Repeats are harmless.
    /// </summary>
    public void Publish(long tenantId, long folderId, long modSeq)
    {
        if (_subscribers.TryGetValue((tenantId, folderId), out var subscriptions))
        {
            foreach (var s in subscriptions)
            {
                s.Invoke(modSeq);
            }
        }
    }

    private sealed class Subscription(PostgresFolderChangeFeed feed, (long, long) key, Action<long> onChange) : IDisposable
    {
        private int _disposed;

        public (long Tenant, long Folder) Key { get; } = key;

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
