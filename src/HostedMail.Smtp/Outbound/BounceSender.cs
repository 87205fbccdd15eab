using System.Text;
using HostedMail.Core.Delivery;
using HostedMail.Core.Messages;
using HostedMail.Core.Outbound;
using HostedMail.Core.Tenants;
using HostedMail.Mime;
using HostedMail.Smtp.Server;
using Microsoft.Extensions.Logging;

namespace HostedMail.Smtp.Outbound;

/// <summary>
/// Sends delivery status notifications (RFC 3464) to a message's envelope sender: into the
/// sender's mailbox when it is hosted here, else through the queue with the null reverse-path.
/// </summary>
// Implementation notes:
// - Never to the null reverse-path (RFC 5321 section 4.5.5, RFC 3461 section 6.2): a
//   notification about a notification would loop. Every notification itself leaves with <>, so
//   its own failures end there.
// - NOTIFY decides per recipient (RFC 3461 section 4.1): NEVER, or a list without FAILURE/DELAY,
//   suppresses that kind; no NOTIFY means FAILURE and DELAY.
internal sealed class BounceSender(SmtpServerOptions smtp, RecipientResolver recipients, IMessageStore store, ITenantStore tenants, TimeProvider timeProvider, ILogger<BounceSender> logger)
{
    public static bool Wants(string? notify, string kind) =>
        notify is null ? kind is "FAILURE" or "DELAY" : notify.Split(',').Contains(kind, StringComparer.OrdinalIgnoreCase);

    /// <summary>Builds and stores one notification about <paramref name="reported"/>; false when none could be sent.</summary>
    public async Task<bool> SendAsync(QueuedMessage message, ReadOnlyMemory<byte> original, IReadOnlyList<ReportedRecipient> reported, CancellationToken cancellationToken)
    {
        if (reported.Count == 0)
        {
            return false;
        }

        if (message.EnvelopeFrom.Length == 0)
        {
            OutboundLog.NotificationDropped(logger, message.TenantId, message.QueueId, "null reverse-path");
            return false;
        }

        var to = MailboxAddress.Parse(message.EnvelopeFrom);
        if (to is null)
        {
            OutboundLog.NotificationDropped(logger, message.TenantId, message.QueueId, "unparsable reverse-path");
            return false;
        }

        var utf8 = !Ascii.IsValid(message.EnvelopeFrom);
        // The sender's tenant reads it: its language, else English.
        var language = (await tenants.GetAsync(message.TenantId, cancellationToken))?.Language;
        var (subject, explanation) = NotificationText.Write(language, smtp.Hostname, original.IsEmpty ? null : MimeMessage.Parse(original).Subject, reported);
        var dsn = new DeliveryStatusNotification(smtp.Hostname, new MailboxAddress("Mail Delivery System", "MAILER-DAEMON", smtp.Hostname), to)
        {
            OriginalEnvelopeId = message.EnvId,
            ArrivalDate = message.CreatedAt,
            OriginalMessage = original,
            // RFC 3461 section 4.3: RET=FULL asks for the whole message; the default is headers only.
            ReturnFullMessage = message.Ret == "FULL",
            Subject = subject,
            Explanation = explanation,
            Language = language is null or TenantLanguage.English ? null : language,
        };
        dsn.Recipients.AddRange(reported.Select(r => r.Dsn));
        var bytes = dsn.Build(new MessageBuilderOptions { TimeProvider = timeProvider, AllowUtf8Headers = utf8 });

        var now = timeProvider.GetUtcNow();
        var resolution = await recipients.ResolveAsync(message.EnvelopeFrom, cancellationToken);
        if (resolution.Problem is null)
        {
            // RFC 5321 section 4.4: the delivering MTA records the (null) reverse-path; forwards of
            // the notification skip it, like every forward.
            var returnPath = Encoding.ASCII.GetBytes("Return-Path: <>\r\n");
            var withReturnPath = returnPath.Concat(bytes).ToArray();
            var deliveries = resolution.Mailboxes.Select(m => new MailboxDelivery(m.TenantId, m.MailboxId, null, MessageFlags.None, [], now)).ToList();
            var forwards = resolution.ExternalForwards.Count == 0
                ? []
                : new[] { Outbound(resolution.TenantId, resolution.ExternalForwards, utf8, now) with { ContentOffset = returnPath.Length } };
            await store.StoreAsync(new StoreRequest(MessageParsing.Prepare(withReturnPath), deliveries, forwards), cancellationToken);
        }
        else if (resolution.Problem == RecipientProblem.NotHostedHere)
        {
            await store.StoreAsync(new StoreRequest(MessageParsing.Prepare(bytes), [], [Outbound(message.TenantId, [message.EnvelopeFrom], utf8, now)]), cancellationToken);
        }
        else
        {
            OutboundLog.NotificationDropped(logger, message.TenantId, message.QueueId, "sender mailbox " + resolution.Problem);
            return false;
        }

        OutboundLog.NotificationSent(logger, message.TenantId, message.QueueId, reported[0].Dsn.Action.ToString(), reported.Count);
        return true;
    }

    private OutboundSubmission Outbound(long tenantId, IEnumerable<string> to, bool utf8, DateTimeOffset now) =>
        new(tenantId, null, string.Empty, to.Select(a => new OutboundRecipient(a, null, null)).ToList(), null, null, false, utf8, now + smtp.OutboundLifetime);
}
