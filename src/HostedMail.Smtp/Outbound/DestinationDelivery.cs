using System.Net.Security;
using System.Text;
using HostedMail.Core.Outbound;
using HostedMail.Smtp.Protocol;
using Microsoft.Extensions.Logging;

namespace HostedMail.Smtp.Outbound;

/// <summary>A claimed message with the recipients of one destination, its bytes once loaded, and the result of each recipient so far.</summary>
internal sealed class PendingMessage(QueuedMessage message, IReadOnlyList<QueuedRecipient> recipients)
{
    public QueuedMessage Message { get; } = message;

    public IReadOnlyList<QueuedRecipient> Recipients { get; } = recipients;

    public byte[]? Bytes { get; set; }

    /// <summary>Final replies by recipient address; a recipient without one is still to be tried.</summary>
    public Dictionary<string, AttemptReply> Replies { get; } = new(StringComparer.Ordinal);

    /// <summary>The last reason this message could not go over a connection (REQUIRETLS, policy), used when no host takes it.</summary>
    public SmtpReply? Blocked { get; set; }

    public IEnumerable<QueuedRecipient> Open => Recipients.Where(r => !Replies.ContainsKey(r.Address));
}

/// <summary>The reply that decided a recipient, with where it came from for the delivery log.</summary>
internal sealed record AttemptReply(SmtpReply Reply, string? Host, string? Ip, string? TlsProtocol, string? TlsCipher, TimeSpan Duration, bool PeerHandlesDsn)
{
    /// <summary>True when <see cref="Reply"/> is the remote server's own answer, false when we made it (DNS, connection, policy, size).</summary>
    public bool FromServer { get; init; }
}

/// <summary>
/// Delivers a batch of messages to one destination: routes it, applies the MTA-STS policy, tries
/// each host and address in order over one connection per host, and leaves a reply on every
/// recipient it could decide; the rest are still open when it returns (deferred by the caller).
/// </summary>
// Implementation notes:
// - TLS policy: with an MTA-STS policy in enforce mode (or a smarthost that requires TLS) a host
//   is used only over TLS with a certificate valid for its name; otherwise STARTTLS is
//   opportunistic and a failed handshake is retried in plaintext on the same address, as Postfix
//   does. A message with REQUIRETLS (RFC 8689 section 4.2.1) goes only over validated TLS to a
//   server that advertises REQUIRETLS; mail is never sent in clear where policy forbids it.
// - No lock or transaction is held here; results are written by the caller after the network work.
internal sealed class DestinationDelivery(
    OutboundOptions options,
    string ehloName,
    OutboundRouter router,
    MtaStsPolicyCache mtaSts,
    IOutboundQueue queue,
    TimeProvider timeProvider,
    ILogger logger)
{
    public async Task<SmtpReply?> DeliverAsync(string domain, IReadOnlyList<PendingMessage> messages, CancellationToken cancellationToken)
    {
        var route = await router.RouteAsync(domain, cancellationToken);
        if (route.Problem is { } problem)
        {
            if (problem.IsPermanent)
            {
                foreach (var m in messages)
                {
                    foreach (var r in m.Open.ToList())
                    {
                        m.Replies[r.Address] = new AttemptReply(problem, null, null, null, null, TimeSpan.Zero, false);
                    }
                }
            }

            return problem;
        }

        var smarthost = route.Hosts.Count > 0 && route.Hosts[0].IsSmarthost;
        var policy = smarthost ? null : await mtaSts.GetAsync(domain, cancellationToken);
        var hosts = route.Hosts;
        SmtpReply? lastError = null;
        if (policy?.Mode == MtaStsMode.Enforce)
        {
            // RFC 8461 section 4.1: only MX hosts the policy names may be used.
            hosts = hosts.Where(h => policy.MatchesMx(h.Name)).ToList();
            lastError = hosts.Count == 0 ? new SmtpReply(SmtpReplyCode.LocalError, new EnhancedStatusCode(4, 7, 5), $"no MX host of {domain} matches its MTA-STS policy") : null;
        }
        else if (policy?.Mode == MtaStsMode.Testing)
        {
            OutboundLog.MtaStsTesting(logger, domain);
        }

        var tlsRequired = policy?.Mode == MtaStsMode.Enforce || (smarthost && options.Smarthost.RequireTls);
        foreach (var host in hosts)
        {
            foreach (var address in host.Addresses)
            {
                if (!messages.Any(m => m.Open.Any()))
                {
                    return lastError;
                }

                var plaintext = false;
                for (var tries = 0; tries < 2; tries++)
                {
                    try
                    {
                        lastError = await SessionAsync(host, new System.Net.IPEndPoint(address, host.Port), tlsRequired, plaintext, messages, cancellationToken) ?? lastError;
                        break;
                    }
                    catch (SmtpClientException ex) when (ex.TlsFailure && !tlsRequired && !plaintext)
                    {
                        // Opportunistic TLS (RFC 3207 section 4.1 leaves the choice to the client):
                        // a broken handshake is retried in clear so mail is not stuck behind it.
                        OutboundLog.TlsFallback(logger, host.Name, ex.Message);
                        plaintext = true;
                    }
                    catch (SmtpClientException ex)
                    {
                        OutboundLog.SessionFailed(logger, host.Name, address.ToString(), ex.Message);
                        lastError = new SmtpReply(SmtpReplyCode.LocalError, new EnhancedStatusCode(4, 4, ex.TlsFailure ? (short)7 : (short)2), $"{host.Name}[{address}]: {ex.Message}");
                        break;
                    }
                }
            }
        }

        return lastError;
    }

    /// <summary>One connection: greeting, EHLO, TLS, AUTH, then as many messages as it will take. Returns the reply that ended it early, if any.</summary>
    private async Task<SmtpReply?> SessionAsync(RouteHost host, System.Net.IPEndPoint endPoint, bool tlsRequired, bool plaintext, IReadOnlyList<PendingMessage> messages, CancellationToken cancellationToken)
    {
        var certificateValid = false;
        RemoteCertificateValidationCallback validate = (_, _, _, errors) =>
        {
            certificateValid = errors == SslPolicyErrors.None;
            // Opportunistic TLS accepts any certificate: encryption against passive listeners is
            // better than clear text (RFC 7435); policy decides when only a valid one will do.
            return certificateValid || !tlsRequired;
        };

        await using var connection = await SmtpClientConnection.ConnectAsync(host.Name, endPoint, options.ConnectTimeout, timeProvider, cancellationToken);
        connection.CommandTimeout = options.CommandTimeout;
        connection.DataTimeout = options.DataTimeout;
        if (host.IsSmarthost && options.Smarthost.ImplicitTls)
        {
            await connection.ImplicitTlsAsync(validate, cancellationToken);
        }

        var greeting = await connection.ReadGreetingAsync(cancellationToken);
        if (greeting.Code != SmtpReplyCode.ServiceReady)
        {
            return Annotate(greeting, host, endPoint);
        }

        var hello = await connection.HelloAsync(ehloName, cancellationToken);
        if (hello.Code != SmtpReplyCode.Ok)
        {
            return Annotate(hello, host, endPoint);
        }

        if (!connection.IsTls && !plaintext)
        {
            if (connection.Extensions.StartTls)
            {
                var refused = await connection.StartTlsAsync(ehloName, validate, cancellationToken);
                if (refused is not null && tlsRequired)
                {
                    return TlsPolicyFailure(host, endPoint, "STARTTLS refused: " + refused);
                }
            }
            else if (tlsRequired)
            {
                return TlsPolicyFailure(host, endPoint, "STARTTLS not offered");
            }
        }

        if (tlsRequired && !connection.IsTls)
        {
            return TlsPolicyFailure(host, endPoint, "no TLS");
        }

        if (host.IsSmarthost && options.Smarthost.Username is { Length: > 0 } user)
        {
            if (!connection.IsTls)
            {
                return TlsPolicyFailure(host, endPoint, "refusing to send credentials without TLS");
            }

            var auth = await connection.AuthenticatePlainAsync(user, options.Smarthost.Password ?? string.Empty, cancellationToken);
            if (auth.Code != SmtpReplyCode.AuthenticationSucceeded)
            {
                return Annotate(auth, host, endPoint);
            }
        }

        var sent = 0;
        foreach (var message in messages)
        {
            foreach (var chunk in message.Open.Chunk(options.MaxRecipientsPerTransaction).ToList())
            {
                if (sent++ >= options.MaxMessagesPerConnection)
                {
                    await connection.QuitAsync(cancellationToken);
                    return null;
                }

                await SendOneAsync(connection, host, message, chunk, certificateValid, cancellationToken);
            }
        }

        await connection.QuitAsync(cancellationToken);
        return null;
    }

    private async Task SendOneAsync(SmtpClientConnection connection, RouteHost host, PendingMessage pending, QueuedRecipient[] recipients, bool certificateValid, CancellationToken cancellationToken)
    {
        var m = pending.Message;
        var bytes = pending.Bytes ??= await queue.ReadMessageAsync(m.TenantId, m.QueueId, cancellationToken);
        var ext = connection.Extensions;
        var started = timeProvider.GetTimestamp();
        AttemptReply Reply(SmtpReply reply) => new(reply, host.Name, connection.RemoteEndPoint.Address.ToString(), connection.TlsProtocol, connection.TlsCipher,
            timeProvider.GetElapsedTime(started), ext.Dsn);

        if (m.RequireTls && !(connection.IsTls && certificateValid && ext.RequireTls))
        {
            // RFC 8689 section 4.2.1: only to a server that advertises REQUIRETLS over validated TLS.
            pending.Blocked = new SmtpReply(SmtpReplyCode.MailboxUnavailable, EnhancedStatusCode.RequireTlsNeeded, $"{host.Name} cannot honour REQUIRETLS");
            return;
        }

        if (ext.Size is > 0 and var limit && bytes.Length > limit)
        {
            // RFC 1870 section 6.1: a message larger than the server's fixed limit is a permanent failure.
            var tooBig = new SmtpReply(SmtpReplyCode.ExceededStorageAllocation, EnhancedStatusCode.MessageTooBig, $"message of {bytes.Length} bytes exceeds the limit of {host.Name} ({limit})");
            foreach (var r in recipients)
            {
                pending.Replies[r.Address] = Reply(tooBig);
            }

            return;
        }

        var needsUtf8 = !Ascii.IsValid(m.EnvelopeFrom) || recipients.Any(r => !Ascii.IsValid(r.Address)) || (m.SmtpUtf8 && !Ascii.IsValid(Header(bytes)));
        if (needsUtf8 && !ext.SmtpUtf8)
        {
            // RFC 6531 section 3.2: without SMTPUTF8 at the server the message is bounced, not mangled.
            var noUtf8 = new SmtpReply(SmtpReplyCode.MailboxNameNotAllowed, EnhancedStatusCode.NonAsciiAddressNotPermitted, $"{host.Name} does not support SMTPUTF8, which this message needs");
            foreach (var r in recipients)
            {
                pending.Replies[r.Address] = Reply(noUtf8);
            }

            return;
        }

        var envelope = new ClientEnvelope(m.EnvelopeFrom, recipients.Select(r => new ClientRecipient(r.Address, r.Notify, r.OriginalRecipient)).ToList(),
            !Ascii.IsValid(bytes), needsUtf8, m.Ret, m.EnvId, m.RequireTls);
        var replies = await connection.SendAsync(envelope, bytes, cancellationToken);
        for (var i = 0; i < recipients.Length; i++)
        {
            pending.Replies[recipients[i].Address] = Reply(replies[i]) with { FromServer = true };
        }
    }

    private static ReadOnlySpan<byte> Header(byte[] bytes)
    {
        var end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        return end < 0 ? bytes : bytes.AsSpan(0, end);
    }

    private static SmtpReply Annotate(SmtpReply reply, RouteHost host, System.Net.IPEndPoint endPoint) =>
        new(reply.IsPermanent ? SmtpReplyCode.LocalError : reply.Code, reply.IsPermanent ? new EnhancedStatusCode(4, 4, 0) : reply.Enhanced,
            $"{host.Name}[{endPoint.Address}] said: {reply.Code} {string.Join(' ', reply.Lines)}");

    private static SmtpReply TlsPolicyFailure(RouteHost host, System.Net.IPEndPoint endPoint, string why) =>
        new(SmtpReplyCode.LocalError, new EnhancedStatusCode(4, 7, 5), $"{host.Name}[{endPoint.Address}]: TLS required by policy: {why}");
}
