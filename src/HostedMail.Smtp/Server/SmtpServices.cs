using HostedMail.Core.Delivery;
using HostedMail.Net;
using Microsoft.Extensions.Logging;

namespace HostedMail.Smtp.Server;

/// <summary>What every SMTP session needs, built once per node.</summary>
internal sealed record SmtpServices(
    SmtpServerOptions Options,
    MailAuthenticator Authenticator,
    RecipientResolver Recipients,
    SenderAuthorization Senders,
    InboundMessageHandler Inbound,
    SubmissionMessageHandler Submission,
    HostedMail.Smtp.Outbound.Srs Srs,
    HostedMail.Core.Domains.IDomainStore Domains,
    ILogger<SmtpSession> Logger)
{
    /// <summary>Tenant-wide refusals of submission (billing's dunning); asked at MAIL FROM.</summary>
    public IReadOnlyList<HostedMail.Core.Billing.ISubmissionPolicy> SubmissionPolicies { get; init; } = [];
}
