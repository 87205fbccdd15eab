using HostedMail.Smtp.Protocol;

namespace HostedMail.Smtp.Server;

/// <summary>What an SMTP listener is for: mail from the internet, or from our own users.</summary>
public enum SmtpRole
{
    /// <summary>Port 25: accepts mail for hosted, verified domains only; no AUTH.</summary>
    Mx,
    /// <summary>Ports 587 (STARTTLS) and 465 (implicit TLS): authenticated users only (RFC 6409, RFC 8314).</summary>
    Submission,
}

/// <summary>Every limit and timeout of the SMTP server, from configuration section <c>Smtp</c>.</summary>
public sealed class SmtpServerOptions
{
    /// <summary>The name in the greeting, EHLO reply, Received and Authentication-Results (authserv-id).</summary>
    public string Hostname { get; set; } = "localhost";

    /// <summary>Largest message accepted, advertised as SIZE (RFC 1870).</summary>
    public long MaxMessageSize { get; set; } = 50L << 20;

    /// <summary>RFC 5321 section 4.5.3.1.8 requires at least 100.</summary>
    public int MaxRecipients { get; set; } = 100;

    /// <summary>Commands one connection may send before it is closed.</summary>
    public int MaxCommandsPerSession { get; set; } = 10_000;

    /// <summary>Syntax errors and refused commands tolerated before the connection is closed.</summary>
    public int MaxErrors { get; set; } = 20;

    /// <summary>Waiting for a command (RFC 5321 section 4.5.3.2.7: at least 5 minutes).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Receiving a whole DATA body or BDAT chunk (RFC 5321 section 4.5.3.2.6 asks 10 minutes for the end of data).</summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Refuse mail whose DMARC policy is reject and that fails DMARC (RFC 7489 section 6.6.3).</summary>
    public bool EnforceDmarcReject { get; set; } = true;

    /// <summary>Where RCPT TO:&lt;Postmaster&gt; (without a domain) delivers; RFC 5321 section 4.5.1 requires accepting it.</summary>
    public string? PostmasterAddress { get; set; }

    /// <summary>How long queued outbound mail is retried before it bounces.</summary>
    public TimeSpan OutboundLifetime { get; set; } = TimeSpan.FromDays(5);

    /// <summary>Grammar limits for the parser.</summary>
    public SmtpProtocolLimits Limits { get; set; } = SmtpProtocolLimits.Default;
}
