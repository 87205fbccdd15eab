using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace HostedMail.Grains.Mailboxes;

/// <summary>
/// One node's watches of a set of grains (ARCHITECTURE.md, "Push through grains"), for the node's
/// watchers (folder changes, credential revocations): counted per key, made when the key's first
/// user arrives and dropped <c>WatchLinger</c> after its last left (unless another arrived), renewed every <c>WatchRenewal</c>, retried every
/// <c>WatchRetry</c> after a failure, and renewed at once when membership declares a node dead
/// (the grains that lived there come back on the survivors, knowing no watcher).
/// </summary>
// Implementation notes:
// - A watch is an Orleans observer registration, which lives only in the grain's activation; the
//   watch callback makes or renews it and handles the grain's answer (catching up on what the
//   node may have missed while the grain did not know it).
// - A watch that fails (grain unreachable while membership changes) is retried every WatchRetry.
// - A lingering key (count 0) is still renewed and still hears its grain; a user arriving then
//   adds nothing to do. Like a second user of a watched key, it relies on the live watch for what
//   is committed after it arrived (what was committed before, its own SELECT or login just read).
internal sealed class GrainWatches<TKey> : IAsyncDisposable
    where TKey : notnull
{
    // Users per key; 0 while the key lingers (its time since in _lingering).
    private readonly Dictionary<TKey, int> _watched = [];
    private readonly Dictionary<TKey, DateTimeOffset> _lingering = [];
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

    /// <summary>Keys watched now, lingering ones included (tests).</summary>
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

    /// <summary>Counts one more user of <paramref name="key"/>; the first one starts its watch (in the background) unless the key still lingers.</summary>
    public void Add(TKey key)
    {
        bool first;
        lock (_lock)
        {
            first = !_watched.TryGetValue(key, out var n);
            if (n == 0)
            {
                _lingering.Remove(key);
            }

            _watched[key] = n + 1;
            _loops ??= Task.Run(() => Task.WhenAll(RenewLoopAsync(), MembershipLoopAsync()));
        }

        if (first)
        {
            _first[key] = 0;
            _ = WatchAsync(key);
        }
    }

    /// <summary>Counts one user less; the last one leaves the key lingering for WatchLinger.</summary>
    public void Remove(TKey key)
    {
        lock (_lock)
        {
            if (!_watched.TryGetValue(key, out var n) || n == 0)
            {
                return;
            }

            _watched[key] = n - 1;
            if (n == 1)
            {
                _lingering[key] = _time.GetUtcNow();
            }
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

    /// <summary>Drops the watches whose keys lingered unused for WatchLinger: the grain is told the node no longer watches.</summary>
    private void ReleaseLingering()
    {
        List<TKey>? released = null;
        lock (_lock)
        {
            var before = _time.GetUtcNow() - _options.WatchLinger;
            foreach (var (key, since) in _lingering)
            {
                if (since <= before)
                {
                    (released ??= []).Add(key);
                }
            }

            foreach (var key in released ?? [])
            {
                _lingering.Remove(key);
                _watched.Remove(key);
            }
        }

        foreach (var key in released ?? [])
        {
            _retry.TryRemove(key, out _);
            _first.TryRemove(key, out _);
            _ = _unwatch(key);
        }
    }

    /// <summary>Renews every watch each WatchRenewal, retries failed ones and releases lingering ones each WatchRetry.</summary>
    private async Task RenewLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.WatchRetry, _time);
        var nextRenewal = _time.GetUtcNow() + _options.WatchRenewal;
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                ReleaseLingering();
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
