using HostedMail.Core.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace HostedMail.Net;

// Design choice: listeners are Kestrel endpoints with UseConnectionHandler<T>() in the same
// host as the HTTP API (STYLE.md, sessions rule 1). Kestrel brings a tuned socket transport
// with pipelines, binding (including port 0 for tests), and graceful shutdown: on host stop it
// stops accepting, signals every connection (IConnectionLifetimeNotificationFeature, which
// MailConnection.CloseRequested follows) and aborts what is left after the host's shutdown
// timeout. What Kestrel does not do for a non-HTTP protocol we do here, in this order, because
// each step needs the previous one: PROXY header (it precedes TLS on the wire), per-address
// limits (they need the real address), implicit TLS (our own SslStream, not Kestrel's
// UseHttps, so that implicit TLS and STARTTLS share one code path and one SNI selector and no
// HTTP ALPN is offered).

/// <summary>Services the mail listeners share; register with <see cref="MailListenerExtensions.AddMailNet"/>.</summary>
/// <param name="Certificates">The SNI certificate selector, or null when TLS is not configured.</param>
/// <param name="TimeProvider">Clock for timeouts.</param>
/// <param name="LoggerFactory">Logging.</param>
/// <param name="Sessions">The node's open connections and their logins (revocation ends them).</param>
public sealed record MailNetServices(ServerCertificateSelector? Certificates, TimeProvider TimeProvider, ILoggerFactory LoggerFactory, MailSessionRegistry? Sessions = null);

/// <summary>
/// Base of the SMTP, IMAP and POP3 connection handlers: derive, implement <see cref="RunSessionAsync"/>
/// and <see cref="RejectAsync"/>, and bind with <see cref="MailListenerExtensions.UseMailListener{THandler}"/>.
/// </summary>
public abstract class MailConnectionHandler(MailNetServices services) : ConnectionHandler
{
    private readonly ILogger _logger = services.LoggerFactory.CreateLogger("HostedMail.Net.MailConnectionHandler");

    /// <inheritdoc />
    public sealed override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var listener = connection.Features.Get<MailListenerFeature>()?.Listener
            ?? throw new InvalidOperationException("Bind mail handlers with UseMailListener<T>(), which tells them their listener.");
        await using var mail = new MailConnection(connection, listener, services.Certificates, services.TimeProvider);
        var options = listener.Options;
        if (options.ProxyProtocol)
        {
            var peer = mail.Info.RemoteEndPoint.Address;
            var trusted = options.TrustedProxies.Count == 0 || options.TrustedProxies.Any(n => n.Contains(peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer));
            if (!trusted || !await mail.ReadProxyHeaderAsync())
            {
                NetLog.ProxyHeaderRefused(_logger, connection.ConnectionId, peer);
                return;
            }
        }
        using var scope = _logger.BeginScope(new Dictionary<string, object> { ["ConnectionId"] = connection.ConnectionId, ["RemoteEndPoint"] = mail.Info.RemoteEndPoint.ToString() });
        if (listener.ShutdownRequested.IsCancellationRequested)
        {
            await RejectPoliteAsync(mail, ConnectionRejection.ShuttingDown);
            return;
        }
        if (!listener.Limiter.TryAcquire(mail.Info.RemoteEndPoint.Address, out var lease, out var rejection))
        {
            NetLog.ConnectionRefused(_logger, rejection);
            await RejectPoliteAsync(mail, rejection);
            return;
        }
        using (lease)
        {
            if (options.ImplicitTls)
            {
                try
                {
                    await mail.HandshakeAsync(mail.ConnectionClosed);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
                {
                    NetLog.TlsHandshakeFailed(_logger, e.Message);
                    return;
                }
            }
            using (services.Sessions?.Add(mail))
            {
                await RunSessionAsync(mail);
            }

            await mail.LingerAsync();
        }
    }

    /// <summary>Runs the protocol session until it ends. Exceptions escaping it are logged by Kestrel and close the connection.</summary>
    protected abstract Task RunSessionAsync(MailConnection connection);

    /// <summary>Writes the protocol's refusal (SMTP 421 4.7.0, IMAP * BYE, POP3 -ERR [SYS/TEMP]) and returns; the connection is closed after.</summary>
    protected abstract ValueTask RejectAsync(MailConnection connection, ConnectionRejection rejection);

    private async ValueTask RejectPoliteAsync(MailConnection mail, ConnectionRejection rejection)
    {
        // On implicit-TLS listeners a plaintext reply would be garbage to the client, and a
        // handshake just to refuse costs the CPU a flood is trying to exhaust: close silently.
        if (mail.Listener.Options.ImplicitTls)
        {
            return;
        }
        await RejectAsync(mail, rejection);
        await mail.LingerAsync();
    }
}

/// <summary>Tells a connection which <see cref="MailListener"/> accepted it.</summary>
internal sealed record MailListenerFeature(MailListener Listener);

/// <summary>Registration helpers.</summary>
public static class MailListenerExtensions
{
    /// <summary>
    /// Registers <see cref="MailNetServices"/> and the authentication services (credential cache,
    /// <see cref="MailAuthenticator"/> once an <see cref="ICredentialVerifier"/> and an
    /// <see cref="HostedMail.Core.Security.IAuthenticationLimiter"/> are registered; penalty
    /// thresholds come from a registered <see cref="HostedMail.Core.Security.AuthPenaltyOptions"/>).
    /// </summary>
    public static IServiceCollection AddMailNet(this IServiceCollection services, ServerCertificateSelector? certificates, CredentialCacheOptions? credentialCache = null)
    {
        services.AddSingleton(TimeProvider.System);
        // Sessions of a revoked mailbox end on every node where a revocation feed (the grains') is registered.
        services.AddSingleton<MailSessionRegistry>();
        services.AddSingleton(sp => new MailNetServices(certificates, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<MailSessionRegistry>()));
        services.TryAddSingleton(new HostedMail.Core.Security.AuthPenaltyOptions());
        services.AddSingleton(sp => new VerifiedCredentialCache(credentialCache ?? new CredentialCacheOptions(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<MailAuthenticator>();
        services.AddSingleton<MailListenerRegistry>();
        return services;
    }

    /// <summary>Makes a Kestrel endpoint a mail listener served by <typeparamref name="THandler"/>.</summary>
    public static ListenOptions UseMailListener<THandler>(this ListenOptions listenOptions, MailListener listener)
        where THandler : MailConnectionHandler
    {
        var feature = new MailListenerFeature(listener);
        listenOptions.Use(next => context =>
        {
            context.Features.Set(feature);
            return next(context);
        });
        listenOptions.UseConnectionHandler<THandler>();
        return listenOptions;
    }
}
