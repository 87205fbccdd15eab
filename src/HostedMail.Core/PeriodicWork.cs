namespace HostedMail.Core;

/// <summary>The loop of the nodes' housekeeping services (pruners, collectors, sweepers).</summary>
public static class PeriodicWork
{
    /// <summary>
    /// Runs <paramref name="work"/> every <paramref name="period"/> (and once at once when
    /// <paramref name="atStart"/>) until <paramref name="stoppingToken"/> fires. A run that fails is
    /// handed to <paramref name="failed"/> and the next one comes on time: housekeeping that fails
    /// once (a database restart) must not stop for the life of the node.
    /// </summary>
    public static async Task RunAsync(TimeSpan period, TimeProvider time, bool atStart, Func<CancellationToken, Task> work, Action<Exception> failed, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(period, time);
        if (!atStart && !await timer.WaitForNextTickAsync(stoppingToken))
        {
            return;
        }

        do
        {
            try
            {
                await work(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Runs <paramref name="batch"/> (given the batch size) until it does less than a full batch; the total done.</summary>
    public static async Task<int> DrainAsync(int size, Func<int, CancellationToken, Task<int>> batch, CancellationToken cancellationToken)
    {
        int total = 0, done;
        do
        {
            done = await batch(size, cancellationToken);
            total += done;
        }
        while (done == size);

        return total;
    }
}
