using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace HostedMail.Server.Node;

/// <summary>
/// OpenTelemetry metrics of a node, exported for Prometheus at <c>/metrics</c>
/// (<see cref="OperatorEndpoints"/>). Each project owns the meter of its concern, named after it.
/// </summary>
internal static class NodeTelemetry
{
    /// <summary>The project meters (HostedMail.Smtp, .Imap, .Pop3, .Net) and Orleans' own ("Microsoft.Orleans": activations, calls, membership).</summary>
    internal static readonly string[] Meters =
    [
        HostedMail.Smtp.SmtpMetrics.MeterName,
        HostedMail.Imap.Server.ImapMetrics.MeterName,
        HostedMail.Pop3.Server.Pop3Metrics.MeterName,
        HostedMail.Net.NetMetrics.MeterName,
        "Microsoft.Orleans",
    ];

    public static IServiceCollection AddHostedMailTelemetry(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(Meters)
            .AddRuntimeInstrumentation()
            .AddAspNetCoreInstrumentation()
            // Every scrape reads current values (the exporter's default caches answers for 300 ms).
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }
}
