using System.Text;
using HostedMail.Core.Delivery;
using HostedMail.Core.Domains;
using HostedMail.Core.Messages;
using HostedMail.Dns;
using HostedMail.Core.Outbound;
using HostedMail.MailAuth.Dkim;
using HostedMail.Mime;
using HostedMail.Smtp.Protocol;
using Microsoft.Extensions.Logging;

namespace HostedMail.Smtp.Server;

/// <summary>
/// Finishes a message from an authenticated user (RFC 6409): checks that every From: address is
/// theirs, completes Date and Message-ID when missing, adds Received, signs with the From
/// domain's DKIM key, delivers local recipients directly and queues remote ones, in one transaction.
/// </summary>
internal sealed class SubmissionMessageHandler(
    SmtpServerOptions options,
    SenderAuthorization senders,
    IDomainStore domains,
    DkimKeyService dkimKeys,
    DkimSigner signer,
    IDnsResolver resolver,
    IMessageStore store,
    SendingLimiter limits,
    TimeProvider timeProvider,
    ILogger<SubmissionMessageHandler> logger)
{
    public async Task<SmtpReply> AcceptAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        var mailbox = message.Authenticated!;
        var parsed = MimeMessage.Parse(message.Body);
        var from = parsed.From.Mailboxes().ToList();
        if (from.Count == 0)
        {
            return new SmtpReply(SmtpReplyCode.TransactionFailed, new EnhancedStatusCode(5, 6, 0), "Message has no From: header");
        }

        foreach (var address in from)
        {
            if (!await senders.MaySendAsAsync(mailbox, address.LocalPart + "@" + address.AsciiDomain, cancellationToken))
            {
                return new SmtpReply(SmtpReplyCode.MailboxNameNotAllowed, EnhancedStatusCode.NotAuthorized, $"From: address {address.Address} is not yours to use");
            }
        }

        var now = timeProvider.GetUtcNow();
        var added = new StringBuilder();
        // RFC 6409 sections 8.2 and 8.3: a submission server may add a missing Date and Message-ID.
        if (parsed.Headers.Get("Date") is null)
        {
            added.Append("Date: ").Append(TraceHeaders.DateHeader(now)).Append("\r\n");
        }

        if (parsed.Headers.Get("Message-ID") is null)
        {
            added.Append("Message-ID: <").Append(message.Transaction.Id).Append('.').Append(now.ToUnixTimeMilliseconds()).Append('@').Append(options.Hostname).Append(">\r\n");
        }

        var withTrace = TraceHeaders.Prepend(TraceHeaders.Received(message, options.Hostname, now) + added, message.Body.Span);
        var signed = await SignAsync(mailbox.TenantId, from[0].AsciiDomain, withTrace, cancellationToken);

        var deliveries = new List<MailboxDelivery>();
        var remote = new List<OutboundRecipient>();
        var seen = new HashSet<long>();
        foreach (var recipient in message.Transaction.Recipients)
        {
            if (recipient.Remote is { } r)
            {
                remote.Add(r);
                continue;
            }

            foreach (var target in recipient.Local!.Mailboxes.Where(m => seen.Add(m.MailboxId)))
            {
                deliveries.Add(new MailboxDelivery(target.TenantId, target.MailboxId, null, MessageFlags.None, [], now));
            }

            remote.AddRange(recipient.Local.ExternalForwards.Select(e => new OutboundRecipient(e, null, null)));
        }

        // Sending limits (issue 7) count messages to remote recipients; RFC 3463 section 3.8: 4.7.x is a policy refusal that may pass later.
        if (remote.Count > 0 && await limits.CheckAsync(mailbox.TenantId, mailbox.MailboxId, cancellationToken) is { } limit)
        {
            return new SmtpReply(SmtpReplyCode.LocalError, new EnhancedStatusCode(4, 7, 1), $"Sending limit reached: {limit}; try again later");
        }

        var parameters = message.Transaction.Parameters;
        var outbound = remote.Count == 0
            ? []
            : new[]
            {
                new OutboundSubmission(mailbox.TenantId, mailbox.MailboxId, message.Transaction.Sender.Address, remote.DistinctBy(r => r.Address).ToList(),
                    parameters.EnvelopeId, parameters.Return switch { SmtpDsnReturn.Full => "FULL", SmtpDsnReturn.Headers => "HDRS", _ => null },
                    parameters.RequireTls, parameters.SmtpUtf8, now + options.OutboundLifetime),
            };
        await store.StoreAsync(new StoreRequest(MessageParsing.Prepare(signed), deliveries, outbound), cancellationToken);
        logger.LogInformation("Submission {Id} from mailbox {MailboxId}: {Local} local, {Remote} queued", message.Transaction.Id, mailbox.MailboxId, deliveries.Count, remote.Count);
        return new SmtpReply(SmtpReplyCode.Ok, EnhancedStatusCode.Success, $"OK id={message.Transaction.Id}");
    }

    /// <summary>Signs with the tenant's key for the From domain (RFC 6376 section 5); unsigned if the domain is not the tenant's.</summary>
    private async Task<byte[]> SignAsync(long tenantId, string fromDomain, byte[] message, CancellationToken cancellationToken)
    {
        var domain = await domains.FindAsync(tenantId, fromDomain.ToLowerInvariant(), cancellationToken);
        if (domain is null)
        {
            return message;
        }

        var key = await ChooseKeyAsync(domain.Name, await dkimKeys.ListActiveAsync(tenantId, domain.DomainId, cancellationToken), cancellationToken);
        using var signingKey = DkimSigningKey.FromPem(domain.Name, key.Selector, key.PrivateKeyPem);
        return signer.SignedCopy(message, signingKey);
    }

    /// <summary>
    /// After a rotation the new key must not sign before its record is in DNS, or receivers see
    /// DKIM fail: sign with the newest key whose public key is published, else the oldest active
    /// one (a new domain's only key signs from the start). Answers come from the resolver's cache.
    /// </summary>
    private async Task<DkimKey> ChooseKeyAsync(string domain, IReadOnlyList<DkimKey> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 1)
        {
            return keys[0];
        }

        foreach (var key in keys)
        {
            using var signingKey = DkimSigningKey.FromPem(domain, key.Selector, key.PrivateKeyPem);
            var (_, texts) = await resolver.QueryTxtAsync(signingKey.DnsName, cancellationToken);
            var published = PublicKeyOf(signingKey.DnsTxtValue);
            if (texts.Any(t => PublicKeyOf(t) == published))
            {
                return key;
            }
        }

        return keys[^1];
    }

    private static string? PublicKeyOf(string record) =>
        record.Split(';').Select(t => t.Trim()).FirstOrDefault(t => t.StartsWith("p=", StringComparison.Ordinal))?[2..].Replace(" ", string.Empty, StringComparison.Ordinal);
}
