using HostedMail.Core.Delivery;
using HostedMail.Core.Messages;
using HostedMail.Core.Outbound;
using HostedMail.Dns;
using HostedMail.Smtp.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HostedMail.Smtp.Outbound;

/// <summary>Registers outbound delivery (queue worker, SMTP client, MTA-STS, bounces, sending limits) from configuration section <c>Outbound</c>.</summary>
public static class OutboundHosting
{
    public static IServiceCollection AddOutbound(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new OutboundOptions();
        configuration.GetSection("Outbound").Bind(options);
        services.AddSingleton(options);
        services.AddSingleton(options.Limits);
        services.AddSingleton<SendingLimiter>();
        services.AddSingleton<Srs>();
        services.AddSingleton(sp => CreateProcessor(sp, sp.GetRequiredService<TimeProvider>(), NodeName()));
        services.AddHostedService<OutboundWorker>();
        services.AddHostedService<OutboundQueueGauges>();
        services.AddHostedService<OutboundHistoryPruner>();
        return services;
    }

    /// <summary>
    /// Builds a queue processor from a node's services with its own clock and node name: the
    /// node's worker uses it, and tests drive one (or two, as two nodes) with a manual clock.
    /// </summary>
    internal static OutboundQueueProcessor CreateProcessor(IServiceProvider services, TimeProvider timeProvider, string node, OutboundOptions? options = null)
    {
        options ??= services.GetRequiredService<OutboundOptions>();
        var smtp = services.GetRequiredService<SmtpServerOptions>();
        var dns = services.GetRequiredService<IDnsResolver>();
        var queue = services.GetRequiredService<IOutboundQueue>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        // RFC 8461 section 3.3: the policy is fetched without following redirects.
        var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        var mtaSts = new MtaStsPolicyCache(dns, options, http, timeProvider, loggers.CreateLogger<MtaStsPolicyCache>());
        var delivery = new DestinationDelivery(options, smtp.Hostname, new OutboundRouter(dns, options), mtaSts, queue, timeProvider, loggers.CreateLogger<DestinationDelivery>());
        var bounces = new BounceSender(smtp, services.GetRequiredService<RecipientResolver>(), services.GetRequiredService<IMessageStore>(), services.GetRequiredService<HostedMail.Core.Tenants.ITenantStore>(), timeProvider, loggers.CreateLogger<BounceSender>());
        var destinations = services.GetRequiredService<IDestinationLimiter>();
        return new OutboundQueueProcessor(options, node, queue, delivery, bounces, destinations, timeProvider, loggers.CreateLogger<OutboundQueueProcessor>());
    }

    /// <summary>A name for this process in claims and the delivery log: host, process id, and a random part for restarts.</summary>
    private static string NodeName() => $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..6]}";
}
