using Microsoft.Extensions.Logging;
using Npgsql;

namespace HostedMail.Storage.Stores;

/// <summary>
/// One LISTEN connection on one channel, started by the first <see cref="EnsureStarted"/> and kept
/// open until disposed: reconnects with a growing delay (100 ms doubling to 10 s) and calls
/// <c>onListening</c> each time LISTEN takes effect, because NOTIFYs sent while it was away are
/// lost and its users must catch up. Owned by the node's feeds (folder changes, credential revocations).
/// </summary>
internal sealed class PostgresListener(NpgsqlDataSource dataSource, string channel, Action<string> onPayload, Action onListening,
    ILogger logger, TimeProvider time) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _startLock = new();
    private Task? _loop;
    private int _disposed;

    public void EnsureStarted()
    {
        if (_loop is null)
        {
            lock (_startLock)
            {
                _loop ??= Task.Run(RunAsync);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The container may dispose a feed twice (registered as itself and as its interface).
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var stop = _stop.Token;
        var delay = TimeSpan.FromMilliseconds(100);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stop);
                // Pooled connections are not reset on return (StorageServiceCollectionExtensions), so this
                // one, still LISTENing, must never be handed out again.
                using var evict = new PoolEviction(connection);
                connection.Notification += (_, e) => onPayload(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stop);
                }

                delay = TimeSpan.FromMilliseconds(100);
                onListening();
                while (!stop.IsCancellationRequested)
                {
                    await connection.WaitAsync(stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                logger.LogWarning(ex, "LISTEN {Channel} lost its connection; reconnecting in {Delay}", channel, delay);
                await Task.Delay(delay, time, stop).ContinueWith(_ => { }, TaskScheduler.Default);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    private sealed class PoolEviction(NpgsqlConnection connection) : IDisposable
    {
        public void Dispose() => NpgsqlConnection.ClearPool(connection);
    }
}
