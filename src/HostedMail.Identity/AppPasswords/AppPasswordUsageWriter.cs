using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HostedMail.Identity.AppPasswords;

/// <summary>
/// Writes the app password logins <see cref="AppPasswordUsage"/> gathered, one batch per
/// <see cref="AppPasswordUsageOptions.FlushInterval"/>, and once more when the node stops.
/// </summary>
public sealed class AppPasswordUsageWriter(AppPasswordUsage usage, TimeProvider timeProvider, ILogger<AppPasswordUsageWriter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(usage.Options.FlushInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the final flush runs in StopAsync.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(cancellationToken);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await usage.FlushAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
        {
            AppPasswordLog.AppPasswordUsesNotRecorded(logger, ex);
        }
    }
}
