using System.Net;
using HostedMail.Core.Security;

namespace HostedMail.Net;

/// <summary>Settings of one mail listener (SMTP MX, submission, IMAP, POP3 ...); bind from configuration.</summary>
public sealed class MailListenerOptions
{
    /// <summary>Name for logs and <see cref="ConnectionInfo.ListenerName"/>: "smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s".</summary>
    public string Name { get; set; } = "mail";
    /// <summary>The protocol served, as configured ("smtp", "imap", "pop3"): for logs and metrics.</summary>
    public string Protocol { get; set; } = "mail";
    /// <summary>TLS from the first byte (465, 993, 995; RFC 8314).</summary>
    public bool ImplicitTls { get; set; }
    /// <summary>Expect a PROXY v1/v2 header first (behind HAProxy). The header is then mandatory.</summary>
    public bool ProxyProtocol { get; set; }
    /// <summary>Peers allowed to send a PROXY header (CIDR). Empty means any peer, which is only safe when the port is not reachable except through the balancer.</summary>
    public IList<IPNetwork> TrustedProxies { get; } = [];
    /// <summary>Open connections on this listener.</summary>
    public int MaxConnections { get; set; } = 10_000;
    /// <summary>Open connections per client address (IPv6: per /64).</summary>
    public int MaxConnectionsPerAddress { get; set; } = 20;
    /// <summary>Time allowed for the PROXY header.</summary>
    public TimeSpan ProxyHeaderTimeout { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Time allowed for a TLS handshake (implicit or STARTTLS).</summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// One logical listener: its options, its connection limiter and its shutdown signal. Bind it to
/// one or more Kestrel endpoints with <see cref="MailListenerExtensions.UseMailListener{THandler}"/>;
/// endpoints sharing an instance share the limits.
/// </summary>
public sealed class MailListener : IDisposable
{
    private readonly CancellationTokenSource _shutdown = new();

    /// <summary>Creates a listener.</summary>
    public MailListener(MailListenerOptions options)
    {
        Options = options;
        Limiter = new ConnectionLimiter(options.MaxConnections, options.MaxConnectionsPerAddress);
    }

    /// <summary>The settings.</summary>
    public MailListenerOptions Options { get; }

    /// <summary>The connection counts.</summary>
    public ConnectionLimiter Limiter { get; }

    /// <summary>Cancelled by <see cref="RequestShutdown"/>; also part of each connection's <see cref="MailConnection.CloseRequested"/>.</summary>
    public CancellationToken ShutdownRequested => _shutdown.Token;

    /// <summary>
    /// Tells every session of this listener to finish politely (SMTP 421, IMAP BYE, POP3 -ERR)
    /// at its next command boundary and refuses new connections. Kestrel's own graceful shutdown
    /// (host stop) has the same effect through IConnectionLifetimeNotificationFeature.
    /// </summary>
    public void RequestShutdown() => _shutdown.Cancel();

    /// <inheritdoc />
    public void Dispose() => _shutdown.Dispose();
}
