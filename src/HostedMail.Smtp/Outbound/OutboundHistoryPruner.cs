using HostedMail.Core;
using HostedMail.Core.Outbound;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HostedMail.Smtp.Outbound;

/// <summary>
/// Deletes outbound messages finished longer than <see cref="OutboundOptions.History"/> ago, with
/// their recipients and delivery log, at start and hourly; their content then goes with the next
/// unreferenced-blob collection. Every node runs it; the deletes are idempotent.
/// </summary>
internal sealed class OutboundHistoryPruner(IOutboundQueue queue, OutboundOptions options, TimeProvider time, ILogger<OutboundHistoryPruner> logger) : BackgroundService
{
    /// <summary>The least kept whatever the setting: the daily sending limits count a day of submissions.</summary>
    public static readonly TimeSpan MinimumHistory = TimeSpan.FromDays(2);

    private const int BatchSize = 1000;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicWork.RunAsync(TimeSpan.FromHours(1), time, atStart: true, PruneAsync, ex => OutboundLog.HistoryPruneFailed(logger, ex), stoppingToken);

    /// <summary>One pass, a batch at a time; the number of messages deleted.</summary>
    internal async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var before = time.GetUtcNow() - (options.History > MinimumHistory ? options.History : MinimumHistory);
        var total = await PeriodicWork.DrainAsync(BatchSize, (size, token) => queue.PruneFinishedAsync(before, size, token), cancellationToken);
        if (total > 0)
        {
            OutboundLog.HistoryPruned(logger, total, before);
        }

        return total;
    }
}
