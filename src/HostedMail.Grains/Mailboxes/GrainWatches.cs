using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace HostedMail.Grains.Mailboxes;

/// <summary>
/// One node's watches of a set of grains (ARCHITECTURE.md, "Push through grains"), for the node's
/// watchers (folder changes, credential revocations): counted per key, made when the key's first
/// user arrives and dropped when its last leaves, renewed every <c>WatchRenewal</c>, retried every
/// <c>WatchRetry</c> after a failure, and renewed at once when membership declares a node dead
/// (the grains that lived there come back on the survivors, knowing no watcher).
/// </summary>
// Implementation notes:
// - A watch is an Orleans observer registration, which lives only in the grain's activation; the
//   watch callback makes or renews it and handles the grain's answer (catching up on what the
//   node may have missed while the grain did not know it).
// - A watch that fails (grain unreachable while membership changes) is retried every WatchRetry.
internal sealed class GrainWatches<TKey> : IAsyncDisposable
    where TKey : notnull
{
    private readonly Dictionary<TKey, int> _watched = [];
    private readonly ConcurrentDictionary<TKey, byte> _retry = new();
    private readonly ConcurrentDictionary<TKey, byte> _first = new();
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<TKey, bool, CancellationToken, Task> _watch;
    private readonly Func<TKey, Task> _unwatch;
    private readonly IClusterMembershipService _membership;
    private readonly MailboxCoordinationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private Task? _loops;

    /// <param name="watch">
    /// Makes or renews the watch of one key's grain and handles its answer (the flag: this is the
    /// key's first watch since its first user arrived, or a retry of it); throws when the grain did not answer.
    /// </param>
    /// <param name="unwatch">Tells the grain the node no longer watches; failures are the callback's to swallow.</param>
    public GrainWatches(Func<TKey, bool, CancellationToken, Task> watch, Func<TKey, Task> unwatch, IClusterMembershipService membership,
        MailboxCoordinationOptions options, TimeProvider time, ILogger logger)
    {
        _watch = watch;
        _unwatch = unwatch;
        _membership = membership;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Keys watched now (tests).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _watched.Count;
            }
        }
    }

    /// <summary>Counts one more user of <paramref name="key"/>; the first one starts its watch (in the background).</summary>
    public void Add(TKey key)
    {
        bool first;
        lock (_lock)
        {
            first = !_watched.TryGetValue(key, out var n);
            _watched[key] = n + 1;
            _loops ??= Task.Run(() => Task.WhenAll(RenewLoopAsync(), MembershipLoopAsync()));
        }

        if (first)
        {
            _first[key] = 0;
            _ = WatchAsync(key);
        }
    }

    /// <summary>Counts one user less; after the last the grain is told the node no longer watches.</summary>
    public void Remove(TKey key)
    {
        bool last;
        lock (_lock)
        {
            if (!_watched.TryGetValue(key, out var n))
            {
                return;
            }

            last = n == 1;
            if (last)
            {
                _watched.Remove(key);
            }
            else
            {
                _watched[key] = n - 1;
            }
        }

        if (last)
        {
            _retry.TryRemove(key, out _);
            _first.TryRemove(key, out _);
            _ = _unwatch(key);
        }
    }

    /// <summary>Makes or renews the watch of <paramref name="key"/> now (when its grain says it deactivates); nothing when no one uses the key.</summary>
    public async Task WatchAsync(TKey key)
    {
        lock (_lock)
        {
            if (!_watched.ContainsKey(key))
            {
                return;
            }
        }

        try
        {
            await _watch(key, _first.ContainsKey(key), _stop.Token).WaitAsync(_options.CallTimeout, _stop.Token).ConfigureAwait(false);
            _retry.TryRemove(key, out _);
            _first.TryRemove(key, out _);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogDebug(ex, "Could not watch the grain of {Key}; retrying", key);
            _retry[key] = 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        Task? loops;
        lock (_lock)
        {
            loops = _loops;
        }

        if (loops is not null)
        {
            await loops.ConfigureAwait(false);
        }
    }

    private Task WatchAllAsync()
    {
        List<TKey> keys;
        lock (_lock)
        {
            keys = [.. _watched.Keys];
        }

        return Task.WhenAll(keys.Select(WatchAsync));
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
                    _logger.LogInformation("A node was declared dead; watching every watched grain again");
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
}
