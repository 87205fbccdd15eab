using System.Text;
using HostedMail.Core.Messages;
using HostedMail.MailAuth;
using HostedMail.MailAuth.Dkim;
using HostedMail.MailAuth.Dmarc;
using HostedMail.MailAuth.Spf;
using HostedMail.Mime;
using HostedMail.Smtp.Protocol;
using Microsoft.Extensions.Logging;

namespace HostedMail.Smtp.Server;

/// <summary>
/// Finishes a message received on the MX port: judges it with SPF, DKIM and DMARC, adds
/// Return-Path, Received and Authentication-Results, and stores one copy per recipient mailbox
/// (forwards to external addresses go to the outbound queue) in one transaction.
/// </summary>
internal sealed class InboundMessageHandler(
    SmtpServerOptions options,
    SpfVerifier spf,
    DkimVerifier dkim,
    DmarcVerifier dmarc,
    IMessageStore store,
    HostedMail.Smtp.Outbound.Srs srs,
    TimeProvider timeProvider,
    ILogger<InboundMessageHandler> logger)
{
    /// <summary>Mail authentication is DNS work; it must not hold a client for minutes.</summary>
    private static readonly TimeSpan AuthenticationBudget = TimeSpan.FromSeconds(30);

    public async Task<SmtpReply> AcceptAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        var parsed = MimeMessage.Parse(message.Body);
        var verdict = await AuthenticateAsync(message, parsed, cancellationToken);
        if (verdict.Dmarc?.Disposition == DmarcPolicy.Reject && options.EnforceDmarcReject)
        {
            logger.LogInformation("Transaction {Id} refused by the DMARC policy of {Domain}", message.Transaction.Id, verdict.Dmarc.FromDomain);
            return new SmtpReply(SmtpReplyCode.MailboxUnavailable, EnhancedStatusCode.NotAuthorized, $"Message refused: DMARC policy of {verdict.Dmarc.FromDomain} says reject");
        }

        var junk = verdict.Dmarc?.Disposition == DmarcPolicy.Quarantine;
        var body = TraceHeaders.RemoveOurAuthenticationResults(message.Body, parsed, options.Hostname);
        // Return-Path goes first: forwards share the blob but start after it (RFC 5321 section 4.4:
        // only the final delivery MTA adds Return-Path; a relayed copy must not carry ours). They
        // keep Received, which every relay adds, and our Authentication-Results.
        var returnPath = TraceHeaders.ReturnPath(message);
        var headers = returnPath + verdict.Header + TraceHeaders.Received(message, options.Hostname, timeProvider.GetUtcNow());
        var data = MessageParsing.Prepare(TraceHeaders.Prepend(headers, body.Span));
        var forwardOffset = Encoding.UTF8.GetByteCount(returnPath);

        var now = timeProvider.GetUtcNow();
        var deliveries = new List<MailboxDelivery>();
        var forwards = new Dictionary<long, List<OutboundRecipient>>();
        var seen = new HashSet<long>();
        foreach (var recipient in message.Transaction.Recipients)
        {
            var local = recipient.Local!;
            foreach (var mailbox in local.Mailboxes.Where(m => seen.Add(m.MailboxId)))
            {
                deliveries.Add(new MailboxDelivery(mailbox.TenantId, mailbox.MailboxId, junk ? @"\Junk" : null, MessageFlags.None, [], now));
            }

            foreach (var external in local.ExternalForwards)
            {
                var list = forwards.TryGetValue(local.TenantId, out var l) ? l : forwards[local.TenantId] = [];
                if (!list.Any(r => r.Address == external))
                {
                    list.Add(new OutboundRecipient(external, null, null));
                }
            }
        }

        // Forwards leave with the sender rewritten by SRS (when configured), so SPF at the
        // destination checks our domain rather than the original sender's.
        var forwardSender = srs.Forward(message.Transaction.Sender.Address);
        var outbound = forwards.Select(f => new OutboundSubmission(f.Key, null, forwardSender, f.Value,
            message.Transaction.Parameters.EnvelopeId, null, message.Transaction.Parameters.RequireTls, message.Transaction.Parameters.SmtpUtf8, now + options.OutboundLifetime)
        {
            ContentOffset = forwardOffset,
        }).ToList();
        await store.StoreAsync(new StoreRequest(data, deliveries, outbound), cancellationToken);
        logger.LogInformation("Transaction {Id} stored for {Count} mailbox(es)", message.Transaction.Id, deliveries.Count);
        return new SmtpReply(SmtpReplyCode.Ok, EnhancedStatusCode.Success, $"OK id={message.Transaction.Id}");
    }

    private async Task<MailVerdict> AuthenticateAsync(ReceivedMessage message, MimeMessage parsed, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(AuthenticationBudget);
        var ip = message.Connection.RemoteEndPoint.Address;
        var sender = message.Transaction.Sender.Address;
        // RFC 7208 section 2.4: with a null reverse-path the HELO identity is checked.
        var spfTask = sender.Length == 0
            ? spf.VerifyHeloAsync(ip, message.Helo, budget.Token)
            : spf.VerifyMailFromAsync(ip, sender, message.Helo, budget.Token);
        var dkimTask = dkim.VerifyAsync(message.Body, budget.Token);
        // RFC 7489 section 6.6.1: DMARC applies to messages with exactly one From address. Its
        // policy lookup needs neither SPF nor DKIM, so the three DNS pipelines run at once: one
        // slow or lost answer delays the message once, not three times in a row.
        var from = parsed.From.Mailboxes().ToList();
        var policyTask = from.Count == 1 && from[0].Domain.Length > 0 ? dmarc.DiscoverPolicyAsync(from[0].AsciiDomain, budget.Token) : null;
        var spfResult = await spfTask;
        var dkimResults = await dkimTask;
        var dmarcResult = policyTask is null ? null : dmarc.Evaluate(await policyTask, spfResult, null, dkimResults);

        var results = new List<AuthenticationMethodResult> { AuthenticationResultsHeader.FromSpf(spfResult, sender, message.Helo) };
        results.AddRange(dkimResults.Count == 0 ? [new AuthenticationMethodResult("dkim", "none")] : dkimResults.Select(AuthenticationResultsHeader.FromDkim));
        if (dmarcResult is not null)
        {
            results.Add(AuthenticationResultsHeader.FromDmarc(dmarcResult));
        }

        return new MailVerdict(AuthenticationResultsHeader.Write(options.Hostname, [.. results]), dmarcResult);
    }

    private sealed record MailVerdict(string Header, DmarcResult? Dmarc);
}
