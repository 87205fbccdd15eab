using HostedMail.Core.Billing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HostedMail.Billing;

/// <summary>
/// Announces dunning steps as they fall due (audit entry, mail to the admins). Enforcement does
/// not wait for it: BillingStanding computes the phase from the clock on every request; this
/// worker only makes each step visible once. Every node runs it; AdvanceDunningAsync lets one win.
/// </summary>
public sealed partial class DunningWorker(ISubscriptionStore subscriptions, SubscriptionSync sync, BillingOptions options, TimeProvider timeProvider, ILogger<DunningWorker> logger)
{
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var announced = 0;
        foreach (var subscription in await subscriptions.ListInDunningAsync(cancellationToken))
        {
            var due = BillingStanding.Evaluate(subscription, options.Dunning, timeProvider.GetUtcNow()).Phase;
            if (due > subscription.DunningPhase)
            {
                await sync.AnnounceAsync(subscription, due, cancellationToken);
                announced++;
            }
        }

        return announced;
    }

    internal async Task LoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.DunningCheckInterval, timeProvider);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 16020, Level = LogLevel.Error, Message = "Dunning check failed; next round at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

internal sealed class DunningHostedService(DunningWorker worker) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await worker.LoopAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }
}
