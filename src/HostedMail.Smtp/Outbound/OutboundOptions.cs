using HostedMail.Core.Outbound;

namespace HostedMail.Smtp.Outbound;

/// <summary>Outbound delivery settings, from configuration section <c>Outbound</c>. The EHLO name is <c>Smtp:Hostname</c>.</summary>
public sealed class OutboundOptions
{
    /// <summary>Runs the queue worker on this node. Every node may run one; they share the queue safely.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Connections open at once from this node, over all destinations.</summary>
    public int Concurrency { get; set; } = 20;

    /// <summary>Connections open at once to one destination domain (or the smarthost), from all nodes together.</summary>
    public int PerDestinationConcurrency { get; set; } = 4;

    /// <summary>Messages sent over one connection before it is closed and another opened.</summary>
    public int MaxMessagesPerConnection { get; set; } = 100;

    /// <summary>Recipients per SMTP transaction (RFC 5321 section 4.5.3.1.8: servers accept at least 100).</summary>
    public int MaxRecipientsPerTransaction { get; set; } = 100;

    /// <summary>Recipients claimed per round trip to the queue.</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>How long a claim keeps other nodes away; longer than any delivery can take.</summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often an idle worker looks for due mail; new mail waits at most this long.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Delays between attempts: the n-th retry waits the n-th entry, later ones the last. The
    /// defaults follow Postfix's spirit (first retry within minutes, backing off to hours); the
    /// message's lifetime (<c>Smtp:OutboundLifetime</c>, 5 days) ends the retries.
    /// </summary>
    public List<TimeSpan> RetrySchedule { get; set; } = [];

    /// <summary>
    /// How long a message that has finished (every recipient delivered, failed or expired) is kept
    /// with its delivery log for message tracking and the daily sending limits; then it and its
    /// content go. At least <see cref="OutboundHistoryPruner.MinimumHistory"/>.
    /// </summary>
    public TimeSpan History { get; set; } = TimeSpan.FromDays(30);

    /// <summary>A "delayed" DSN is sent once a recipient has waited this long (RFC 3464 action "delayed").</summary>
    public TimeSpan DelayWarningAfter { get; set; } = TimeSpan.FromHours(4);

    /// <summary>The SMTP port of remote MX hosts (RFC 5321: 25). Tests point it at a scripted peer.</summary>
    public int DestinationPort { get; set; } = 25;

    /// <summary>Largest number of MX hosts tried per attempt (Postfix's smtp_mx_address_limit in spirit).</summary>
    public int MaxMxHosts { get; set; } = 5;

    /// <summary>TCP connect timeout per address.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Waiting for a reply to a command (RFC 5321 section 4.5.3.2: 5 minutes for greeting, MAIL, RCPT).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Waiting for the reply after the data (RFC 5321 section 4.5.3.2.6: 10 minutes).</summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Send every message through this relay instead of looking up MX records.</summary>
    public SmarthostOptions Smarthost { get; set; } = new();

    /// <summary>MTA-STS (RFC 8461) policy fetching and enforcement.</summary>
    public MtaStsOptions MtaSts { get; set; } = new();

    /// <summary>Sending limits per tenant and mailbox, enforced at submission.</summary>
    public SendingLimitOptions Limits { get; set; } = new();

    /// <summary>Sender Rewriting Scheme for forwarded mail.</summary>
    public SrsOptions Srs { get; set; } = new();

    internal static readonly TimeSpan[] DefaultRetrySchedule =
    [
        TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(40),
        TimeSpan.FromMinutes(80), TimeSpan.FromHours(2), TimeSpan.FromHours(4),
    ];

    /// <summary>The delay before retry number <paramref name="attempts"/> (1 after the first failure).</summary>
    public TimeSpan RetryDelay(int attempts)
    {
        IReadOnlyList<TimeSpan> schedule = RetrySchedule.Count > 0 ? RetrySchedule : DefaultRetrySchedule;
        return schedule[Math.Clamp(attempts - 1, 0, schedule.Count - 1)];
    }
}

/// <summary>A relay that takes all outbound mail (an operator's provider), with optional AUTH PLAIN and TLS.</summary>
public sealed class SmarthostOptions
{
    /// <summary>Host name or address; empty means deliver directly to MX hosts.</summary>
    public string Host { get; set; } = string.Empty;

    public int Port { get; set; } = 587;

    /// <summary>TLS from the first byte (port 465, RFC 8314) instead of STARTTLS.</summary>
    public bool ImplicitTls { get; set; }

    /// <summary>Refuse to send unless STARTTLS succeeds with a certificate valid for <see cref="Host"/>.</summary>
    public bool RequireTls { get; set; } = true;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public bool IsConfigured => Host.Length > 0;
}

/// <summary>MTA-STS settings (RFC 8461).</summary>
public sealed class MtaStsOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Where the policy of a domain is fetched; <c>{0}</c> is the domain. RFC 8461 section 3.3 fixes
    /// it to HTTPS on mta-sts.{domain}; tests point it at a local server.
    /// </summary>
    public string PolicyUrl { get; set; } = "https://mta-sts.{0}/.well-known/mta-sts.txt";

    /// <summary>Timeout of the policy fetch (RFC 8461 section 3.3 suggests a minute at most).</summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Sender Rewriting Scheme settings for forwards to external addresses.</summary>
public sealed class SrsOptions
{
    /// <summary>The domain rewritten senders use (must be hosted here, with SPF allowing our nodes); empty disables SRS.</summary>
    public string Domain { get; set; } = string.Empty;

    /// <summary>Secret for the address hash; keep it stable across nodes and restarts.</summary>
    public string Secret { get; set; } = string.Empty;

    /// <summary>How long a rewritten address stays valid for bounces coming back.</summary>
    public int MaxAgeDays { get; set; } = 21;

    public bool IsConfigured => Domain.Length > 0 && Secret.Length > 0;
}
