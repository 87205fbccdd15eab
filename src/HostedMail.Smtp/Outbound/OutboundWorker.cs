using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HostedMail.Smtp.Outbound;

/// <summary>
/// The queue worker of one node: works the queue until nothing is due, then waits a poll
/// interval. Every node runs one; claims keep them from delivering the same recipient twice.
/// </summary>
internal sealed class OutboundWorker(OutboundOptions options, OutboundQueueProcessor processor, TimeProvider timeProvider, ILogger<OutboundWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        OutboundLog.WorkerStarted(logger, processor.Node);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Enabled is read every round, so the worker can be paused at run time (tests drive their own processors).
                if (options.Enabled)
                {
                    await processor.ProcessDueAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database may be away for a moment; nothing is lost, claims simply expire.
                OutboundLog.RoundFailed(logger, ex);
            }

            try
            {
                await Task.Delay(options.PollInterval, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
