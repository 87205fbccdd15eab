using System.Net;
using HostedMail.Core.Security;
using HostedMail.Dns;
using HostedMail.Grains;
using HostedMail.Identity;
using HostedMail.Identity.AppPasswords;
using HostedMail.Net;
using HostedMail.Imap.Server;
using HostedMail.Pop3.Server;
using HostedMail.Smtp.Server;
using HostedMail.Storage.Stores;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Server.Node;

/// <summary>The mail side of a node: DNS, TLS certificates, authentication, and the protocol servers.</summary>
internal static class MailNodeServices
{
    public static IServiceCollection AddMailServers(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IDnsResolver>(sp => new DnsResolver(DnsOptions(configuration), sp.GetRequiredService<TimeProvider>()));

        var certificates = configuration.GetSection("Tls:Certificates").Get<List<PemCertificateOptions>>() ?? [];
        var penalties = configuration.GetSection("Auth:Penalties").Get<AuthPenaltyOptions>();
        var cache = configuration.GetSection("Auth:CredentialCache").Get<CredentialCacheOptions>();
        // Failures are counted cluster-wide in grains (before AddMailNet: its default thresholds yield to these).
        services.AddSingleton(configuration.GetSection("Grains:Coordination").Get<MailboxCoordinationOptions>() ?? new MailboxCoordinationOptions());
        services.AddHostedMailGrains(penalties);
        services.AddMailNet(certificates.Count > 0 ? ServerCertificateSelector.FromPemFiles(certificates) : null, cache);
        // App passwords' last use, from verified and cached logins alike, written in batches.
        services.AddAppPasswordUsage(configuration.GetSection("Auth:AppPasswordUse").Get<AppPasswordUsageOptions>() ?? new AppPasswordUsageOptions());

        services.AddSmtp(configuration);
        services.AddImap(configuration);
        services.AddPop3(configuration);
        // Content of deleted mail and of expired tracking records.
        services.AddStorageMaintenance();
        return services;
    }

    /// <summary>
    /// Upstream resolvers from <c>Dns:Servers</c> ("ip" or "ip:port"), else /etc/resolv.conf;
    /// <c>Dns:Timeout</c>, <c>Dns:Attempts</c>, <c>Dns:HedgeDelay</c>, <c>Dns:MinHedgeDelay</c> and <c>Dns:RefusedServerHoldDown</c> override (docs/operations.md, "DNS resolver").
    /// </summary>
    internal static DnsResolverOptions DnsOptions(IConfiguration configuration)
    {
        var servers = configuration.GetSection("Dns:Servers").Get<List<string>>() ?? [];
        var options = servers.Count == 0 ? DnsResolverOptions.FromResolvConf() : new DnsResolverOptions();
        foreach (var server in servers)
        {
            options.Servers.Add(IPEndPoint.TryParse(server, out var endpoint) && endpoint.Port != 0 ? endpoint : new IPEndPoint(IPAddress.Parse(server), 53));
        }

        options.Timeout = configuration.GetValue("Dns:Timeout", options.Timeout);
        options.Attempts = configuration.GetValue("Dns:Attempts", options.Attempts);
        options.HedgeDelay = configuration.GetValue("Dns:HedgeDelay", options.HedgeDelay);
        options.MinHedgeDelay = configuration.GetValue("Dns:MinHedgeDelay", options.MinHedgeDelay);
        options.RefusedServerHoldDown = configuration.GetValue("Dns:RefusedServerHoldDown", options.RefusedServerHoldDown);
        return options;
    }
}
