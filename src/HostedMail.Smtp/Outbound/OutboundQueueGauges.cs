using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using HostedMail.Core.Outbound;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HostedMail.Smtp.Outbound;

/// <summary>
/// Observable gauges of the outbound queue (meter <c>HostedMail.Smtp</c>): recipients waiting and
/// the age of the oldest queued message. The queue is cluster-wide, so every node reports the same
/// figure (aggregate with max, not sum).
/// </summary>
// Implementation notes:
// - Gauge callbacks are synchronous and run on every scrape: they read the last summary and, when
//   it is older than RefreshInterval, start one refresh in the background (never more than one at
//   a time). A scrape costs no query; the database sees at most one cheap aggregate per interval,
//   and none when nobody scrapes.
internal sealed class OutboundQueueGauges : IHostedService, IDisposable
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    // The gauges are created once per process on the static meter and read every live sampler (one
    // per node: one in production, several when tests run nodes side by side). A meter per node
    // would register the same instrument twice, and the first node to stop would end it for all.
    private static readonly ConcurrentDictionary<OutboundQueueGauges, byte> Live = new();

    private static readonly ObservableGauge<long> Depth = SmtpMetrics.Meter.CreateObservableGauge(
        "hostedmail.outbound.queue.depth", () => Live.Keys.Select(g => new Measurement<long>(g.Current().QueuedRecipients)), "{recipient}",
        "Recipients waiting in the outbound queue (cluster-wide; refreshed at most every 5 s)");

    private static readonly ObservableGauge<double> OldestAge = SmtpMetrics.Meter.CreateObservableGauge(
        "hostedmail.outbound.queue.oldest_age", () => Live.Keys.Select(g => new Measurement<double>(g.OldestAgeSeconds())), "s",
        "Age of the oldest message with a queued recipient (cluster-wide; 0 when the queue is empty)");

    private readonly IOutboundQueueAdmin _queue;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<OutboundQueueGauges> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private QueueSummary _summary = new(0, null);
    private long _refreshedAt; // 0: never
    private int _refreshing;

    public OutboundQueueGauges(IOutboundQueueAdmin queue, TimeProvider timeProvider, ILogger<OutboundQueueGauges> logger)
    {
        _queue = queue;
        _timeProvider = timeProvider;
        _logger = logger;
        // Touching the gauges makes sure they exist before the first scrape.
        _ = (Depth, OldestAge);
        Live[this] = 0;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Live.TryRemove(this, out _);
        return _stopping.CancelAsync();
    }

    public void Dispose()
    {
        Live.TryRemove(this, out _);
        _stopping.Dispose();
    }

    private double OldestAgeSeconds() => Current().OldestQueuedAt is { } oldest ? Math.Max(0, (_timeProvider.GetUtcNow() - oldest).TotalSeconds) : 0;

    private QueueSummary Current()
    {
        var now = _timeProvider.GetTimestamp();
        var last = Volatile.Read(ref _refreshedAt);
        if ((last == 0 || _timeProvider.GetElapsedTime(last, now) >= RefreshInterval) && Interlocked.Exchange(ref _refreshing, 1) == 0)
        {
            _ = RefreshAsync();
        }

        return Volatile.Read(ref _summary);
    }

    private async Task RefreshAsync()
    {
        try
        {
            Volatile.Write(ref _summary, await _queue.SummarizeAsync(_stopping.Token));
            Volatile.Write(ref _refreshedAt, _timeProvider.GetTimestamp());
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            // The last figure stays; the next scrape tries again.
            _logger.LogWarning(ex, "Could not read the outbound queue summary for metrics");
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }
}
