using System.Collections.Concurrent;
using HostedMail.Core.AppPasswords;

namespace HostedMail.Identity.AppPasswords;

/// <summary>Settings of <see cref="AppPasswordUsage"/> (<c>Auth:AppPasswordUse</c>).</summary>
public sealed class AppPasswordUsageOptions
{
    /// <summary>A login is recorded at most this often per app password and node; lastUsedAt is as precise as this.</summary>
    public TimeSpan RecordEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the recorded logins are written, all in one statement.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Keeps app passwords' "last used" current without a database write per login. Logins (verified
/// or answered from a node's credential cache) are noted in memory, at most once per
/// <see cref="AppPasswordUsageOptions.RecordEvery"/> per app password, and a background writer
/// stores what gathered every <see cref="AppPasswordUsageOptions.FlushInterval"/> in one batch.
/// </summary>
/// <remarks>
/// Implementation notes: a phone polling every 30 s with an app password costs one write per
/// minute, not two per minute per protocol. A batch that fails is put back (newest time wins) and
/// tried at the next flush; a node that dies loses at most one interval of notes, which only makes
/// lastUsedAt a little older, never wrong about revocation (that is the credential stamp's job).
/// </remarks>
public sealed class AppPasswordUsage(IAppPasswordStore store, TimeProvider timeProvider, AppPasswordUsageOptions options)
{
    private readonly ConcurrentDictionary<(long TenantId, long AppPasswordId), DateTimeOffset> _lastNoted = new();
    private readonly ConcurrentDictionary<(long TenantId, long AppPasswordId), DateTimeOffset> _pending = new();
    private readonly Lock _flushLock = new();
    private readonly List<(long Generation, TaskCompletionSource Done)> _waiters = [];
    private long _flushesStarted;

    public AppPasswordUsageOptions Options => options;

    /// <summary>Notes a login; false when one was noted for this app password less than <see cref="AppPasswordUsageOptions.RecordEvery"/> ago.</summary>
    public bool Note(long tenantId, long appPasswordId)
    {
        var key = (tenantId, appPasswordId);
        var now = timeProvider.GetUtcNow();
        if (_lastNoted.TryGetValue(key, out var last) && now - last < options.RecordEvery && now >= last)
        {
            return false;
        }

        _lastNoted[key] = now;
        _pending[key] = now;
        return true;
    }

    /// <summary>Writes what was noted since the last flush in one statement; returns how many app passwords it moved.</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        long generation;
        lock (_flushLock)
        {
            generation = ++_flushesStarted;
        }

        var batch = new List<AppPasswordUse>();
        foreach (var key in _pending.Keys)
        {
            if (_pending.TryRemove(key, out var at))
            {
                batch.Add(new AppPasswordUse(key.TenantId, key.AppPasswordId, at));
            }
        }

        try
        {
            await store.RecordUsesAsync(batch, cancellationToken);
        }
        catch
        {
            foreach (var use in batch)
            {
                _pending.AddOrUpdate((use.TenantId, use.AppPasswordId), use.At, (_, newer) => newer > use.At ? newer : use.At);
            }

            throw;
        }

        Forget(timeProvider.GetUtcNow() - options.RecordEvery);
        lock (_flushLock)
        {
            foreach (var waiter in _waiters.Where(w => w.Generation <= generation).ToList())
            {
                waiter.Done.TrySetResult();
                _waiters.Remove(waiter);
            }
        }

        return batch.Count;
    }

    /// <summary>Completes when a flush that started after this call has written its batch (tests and shutdown wait on it).</summary>
    public Task WaitForFlushAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_flushLock)
        {
            _waiters.Add((_flushesStarted + 1, done));
        }

        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Drops notes older than one period, so the table holds only app passwords in use.</summary>
    private void Forget(DateTimeOffset before)
    {
        foreach (var (key, at) in _lastNoted)
        {
            if (at < before)
            {
                _lastNoted.TryRemove(new KeyValuePair<(long, long), DateTimeOffset>(key, at));
            }
        }
    }
}
