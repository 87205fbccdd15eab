using Microsoft.Extensions.Logging;

namespace HostedMail.Grains.Mailboxes;

/// <summary>
/// A lease held in a grain, renewed in the background every third of its length until disposed,
/// then released. Renewal failures are logged and retried at the next tick; a lease that could not
/// be renewed simply ends at its expiry (or when this node is declared dead).
/// </summary>
internal sealed class LeaseHandle : IAsyncDisposable
{
    private readonly Func<Task<bool>> _renew;
    private readonly Func<Task> _release;
    private readonly ILogger _logger;
    private readonly string _what;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewing;
    private int _disposed;

    public LeaseHandle(string what, TimeSpan lease, Func<Task<bool>> renew, Func<Task> release, TimeProvider time, ILogger logger)
    {
        _what = what;
        _renew = renew;
        _release = release;
        _logger = logger;
        _renewing = RenewAsync(TimeSpan.FromTicks(Math.Max(lease.Ticks / 3, TimeSpan.FromMilliseconds(10).Ticks)), time);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        await _renewing;
        try
        {
            await _release();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The lease ends by itself at expiry, or at once if this node is declared dead.
            _logger.LogWarning(ex, "Could not release {Lease}; it ends at its expiry", _what);
        }

        _stop.Dispose();
    }

    private async Task RenewAsync(TimeSpan period, TimeProvider time)
    {
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    if (!await _renew())
                    {
                        _logger.LogWarning("{Lease} was lost (taken over after it expired); the session keeps going", _what);
                    }
                }
                catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
                {
                    _logger.LogWarning(ex, "Could not renew {Lease}; retrying", _what);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
