using System.Globalization;
using System.Net;
using HostedMail.Core.Accounts;
using HostedMail.Core.Domains;
using HostedMail.Core.Plans;
using HostedMail.Identity.Accounts;
using Microsoft.Extensions.Configuration;

namespace HostedMail.Portal;

/// <summary>The portal's configuration, read once from the <c>Mail</c>, <c>Portal</c> and <c>Plans</c> sections.</summary>
public sealed class PortalOptions
{
    public required MailEndpoints Endpoints { get; init; }

    /// <summary>The portal's public base URL, for links in mails (confirmation, reset).</summary>
    public required Uri PublicUrl { get; init; }

    /// <summary>Send the session cookie with Secure (and the <c>__Host-</c> prefix); off only for plain-HTTP development.</summary>
    public bool SecureCookies { get; init; } = true;

    /// <summary>Whether anybody may sign up (off: tenants are created by operators).</summary>
    public bool SignUpEnabled { get; init; } = true;

    /// <summary>Upstream resolvers for domain checks; empty: /etc/resolv.conf.</summary>
    public IReadOnlyList<IPEndPoint> DnsServers { get; init; } = [];

    /// <summary>How portal mail leaves: <c>queue</c> (outbound queue), <c>mailbox</c> (all into <see cref="DevelopmentMailbox"/>), <c>log</c> (recipient and subject only).</summary>
    public string MailMode { get; init; } = "queue";

    public string MailFrom { get; init; } = "no-reply@localhost";

    /// <summary>In <c>mailbox</c> mode, the local mailbox every portal mail is delivered to (development).</summary>
    public string? DevelopmentMailbox { get; init; }

    // Budgets per client address, counted cluster-wide (PortalRateLimits); each endpoint has its own.
    public int LoginPerMinute { get; init; } = 10;
    public int SignUpPerHour { get; init; } = 5;
    public int ConfirmPerHour { get; init; } = 20;
    public int ResendPerHour { get; init; } = 5;
    public int PasswordResetPerHour { get; init; } = 5;
    public int ResetConfirmPerHour { get; init; } = 20;

    /// <summary>How often pending domains are re-checked at first; doubles per failure up to <see cref="VerifyMaxInterval"/>.</summary>
    public TimeSpan VerifyInitialInterval { get; init; } = TimeSpan.FromMinutes(1);
    public TimeSpan VerifyMaxInterval { get; init; } = TimeSpan.FromHours(6);

    /// <summary>How often verified domains' MX is re-checked.</summary>
    public TimeSpan RecheckInterval { get; init; } = TimeSpan.FromHours(6);

    /// <summary>Whether this node runs the background domain checker.</summary>
    public bool DomainMonitorEnabled { get; init; } = true;

    public AccountOptions Accounts { get; init; } = new();

    public PlanCatalog Plans { get; init; } = PlanCatalog.Default;

    public static PortalOptions FromConfiguration(IConfiguration configuration)
    {
        var mail = configuration.GetSection("Mail");
        var portal = configuration.GetSection("Portal");
        var hostname = mail["Hostname"] is { Length: > 0 } h ? h.TrimEnd('.').ToLowerInvariant() : "mail.hostedmail.test";
        var endpoints = new MailEndpoints
        {
            Hostname = hostname,
            WebHostname = mail["WebHostname"] is { Length: > 0 } w ? w.TrimEnd('.').ToLowerInvariant() : hostname,
            SpfInclude = mail["SpfInclude"] is { Length: > 0 } s ? s.TrimEnd('.').ToLowerInvariant() : "_spf." + hostname,
            ImapsPort = PublishedPort(mail, "ImapsPort", (_, protocol, tls) => protocol == "imap" && tls, 993),
            Pop3sPort = PublishedPort(mail, "Pop3sPort", (_, protocol, tls) => protocol == "pop3" && tls, 995),
            SubmissionsPort = PublishedPort(mail, "SubmissionsPort", (name, protocol, tls) => protocol == "smtp" && IsSubmission(name) && tls, 465),
            SubmissionPort = PublishedPort(mail, "SubmissionPort", (name, protocol, tls) => protocol == "smtp" && IsSubmission(name) && !tls, 587),
            MtaStsMode = mail["MtaStsMode"] is "enforce" or "none" ? mail["MtaStsMode"]! : "testing",
            TlsRptAddress = mail["TlsRptAddress"] is { Length: > 0 } t ? t : null,
        };
        var accounts = new AccountOptions
        {
            SignUpPlan = portal["SignUpPlan"] is { Length: > 0 } plan ? plan : "free",
            LockoutThreshold = portal.GetValue("LockoutThreshold", 10),
            SessionIdleTimeout = portal.GetValue("SessionIdleTimeout", TimeSpan.FromHours(12)),
        };
        return new PortalOptions
        {
            Endpoints = endpoints,
            PublicUrl = new Uri(portal["PublicUrl"] is { Length: > 0 } u ? u : "https://" + endpoints.WebHostname + "/"),
            SecureCookies = portal.GetValue("SecureCookies", true),
            SignUpEnabled = portal.GetValue("SignUpEnabled", true),
            DnsServers = ParseEndPoints(portal["DnsServers"]),
            MailMode = portal["MailMode"] is "mailbox" or "log" ? portal["MailMode"]! : "queue",
            MailFrom = portal["MailFrom"] is { Length: > 0 } f ? f : "no-reply@" + endpoints.Hostname,
            DevelopmentMailbox = portal["DevelopmentMailbox"] is { Length: > 0 } d ? d : null,
            LoginPerMinute = portal.GetValue("RateLimits:LoginPerMinute", 10),
            SignUpPerHour = portal.GetValue("RateLimits:SignUpPerHour", 5),
            ConfirmPerHour = portal.GetValue("RateLimits:ConfirmPerHour", 20),
            ResendPerHour = portal.GetValue("RateLimits:ResendPerHour", 5),
            PasswordResetPerHour = portal.GetValue("RateLimits:PasswordResetPerHour", 5),
            ResetConfirmPerHour = portal.GetValue("RateLimits:ResetConfirmPerHour", 20),
            VerifyInitialInterval = portal.GetValue("DomainChecks:VerifyInitialInterval", TimeSpan.FromMinutes(1)),
            VerifyMaxInterval = portal.GetValue("DomainChecks:VerifyMaxInterval", TimeSpan.FromHours(6)),
            RecheckInterval = portal.GetValue("DomainChecks:RecheckInterval", TimeSpan.FromHours(6)),
            DomainMonitorEnabled = portal.GetValue("DomainChecks:Enabled", true),
            Accounts = accounts,
            Plans = ReadPlans(configuration.GetSection("Plans")),
        };
    }

    /// <summary>
    /// The port clients are told to use for one service (autoconfig, autodiscover, the Apple
    /// profile, the SRV records of RFC 6186): <c>Mail:&lt;key&gt;</c> when set (a balancer that
    /// publishes other ports than the node listens on), else the first enabled listener of that
    /// kind in <c>Mail:Listeners</c>, so development (1993, 4465, ...) advertises what it really
    /// listens on; else the standard port (a listener on port 0 has no port to publish).
    /// </summary>
    private static int PublishedPort(IConfigurationSection mail, string key, Func<string, string, bool, bool> isKind, int standard)
    {
        if (mail.GetValue<int?>(key) is { } explicitPort)
        {
            return explicitPort;
        }

        foreach (var listener in mail.GetSection("Listeners").GetChildren())
        {
            var protocol = (listener["Protocol"] ?? string.Empty).Trim().ToLowerInvariant();
            if (listener.GetValue("Enabled", true) && isKind(listener.Key, protocol, listener.GetValue("ImplicitTls", false))
                && IPEndPoint.TryParse(listener["Endpoint"] ?? string.Empty, out var endPoint) && endPoint.Port != 0)
            {
                return endPoint.Port;
            }
        }

        return standard;
    }

    /// <summary>SMTP listeners whose name starts with <c>submission</c> are the submission role (as the node binds them).</summary>
    private static bool IsSubmission(string listenerName) => listenerName.StartsWith("submission", StringComparison.OrdinalIgnoreCase);

    /// <summary>The one reading of the <c>Plans</c> section, shared with billing (prices, seats, features).</summary>
    private static PlanCatalog ReadPlans(IConfigurationSection section) => HostedMail.Billing.BillingPlans.Read(section);

    private static List<IPEndPoint> ParseEndPoints(string? text)
    {
        var list = new List<IPEndPoint>();
        foreach (var part in (text ?? string.Empty).Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries))
        {
            if (IPEndPoint.TryParse(part, out var endPoint))
            {
                list.Add(endPoint.Port == 0 ? new IPEndPoint(endPoint.Address, 53) : endPoint);
            }
            else
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Portal:DnsServers: '{part}' is not an address or address:port"));
            }
        }

        return list;
    }
}
