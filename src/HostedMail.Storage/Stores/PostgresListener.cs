using Microsoft.Extensions.Logging;
using Npgsql;

namespace HostedMail.Storage.Stores;

/// <summary>
/// One LISTEN connection on one channel, kept open until stopped: reconnects with a growing delay
/// (100 ms doubling to 10 s) and calls <c>onListening</c> each time LISTEN takes effect, because
/// NOTIFYs sent while it was away are lost and its users must catch up. Shared by the node's
/// feeds (folder changes, credential revocations).
/// </summary>
internal static class PostgresListener
{
    public static async Task RunAsync(NpgsqlDataSource dataSource, string channel, Action<string> onPayload, Action onListening,
        ILogger logger, TimeProvider time, CancellationToken stop)
    {
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
