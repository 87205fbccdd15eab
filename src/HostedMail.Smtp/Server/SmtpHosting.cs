using HostedMail.Core.Delivery;
using HostedMail.Core.Security;
using HostedMail.Dns;
using HostedMail.MailAuth.Dkim;
using HostedMail.MailAuth.Dmarc;
using HostedMail.MailAuth.Spf;
using HostedMail.Net;
using HostedMail.Smtp.Outbound;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HostedMail.Smtp.Server;

/// <summary>Registers the SMTP server (MX and submission) in a node.</summary>
public static class SmtpHosting
{
    /// <summary>
    /// Adds the SMTP services, configured from section <c>Smtp</c>, and the "smtp" listener binding.
    /// Needs <c>AddMailNet</c>, an <see cref="ICredentialVerifier"/>, an <see cref="IDnsResolver"/> and the Core services.
    /// </summary>
    public static IServiceCollection AddSmtp(this IServiceCollection services, IConfiguration configuration)
    {
        // The node's mail name (Mail:Hostname, also used by the portal's records) unless SMTP sets its own.
        var options = new SmtpServerOptions { Hostname = configuration["Mail:Hostname"] ?? "localhost" };
        configuration.GetSection("Smtp").Bind(options);
        services.AddSingleton(options);
        services.AddSingleton(sp => new SpfVerifier(sp.GetRequiredService<IDnsResolver>(), new SpfOptions { ReceivingHost = options.Hostname }, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new DkimVerifier(sp.GetRequiredService<IDnsResolver>(), null, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new DmarcVerifier(sp.GetRequiredService<IDnsResolver>()));
        services.AddSingleton(sp => new DkimSigner(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<SenderAuthorization>();
        services.AddSingleton<InboundMessageHandler>();
        services.AddSingleton<SubmissionMessageHandler>();
        services.AddSingleton(sp => new SmtpServices(options, sp.GetRequiredService<MailAuthenticator>(), sp.GetRequiredService<RecipientResolver>(),
            sp.GetRequiredService<SenderAuthorization>(), sp.GetRequiredService<InboundMessageHandler>(), sp.GetRequiredService<SubmissionMessageHandler>(),
            sp.GetRequiredService<HostedMail.Smtp.Outbound.Srs>(), sp.GetRequiredService<HostedMail.Core.Domains.IDomainStore>(),
            sp.GetRequiredService<ILogger<SmtpSession>>())
        {
            SubmissionPolicies = sp.GetServices<HostedMail.Core.Billing.ISubmissionPolicy>().ToList(),
        });
        services.AddSingleton<SmtpConnectionHandler>();
        services.AddSingleton(new MailProtocolBinding("smtp", (listen, listener) => listen.UseMailListener<SmtpConnectionHandler>(listener)));
        services.AddOutbound(configuration);
        return services;
    }
}
