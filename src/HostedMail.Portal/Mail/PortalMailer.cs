using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using HostedMail.Mime;
using Microsoft.Extensions.Logging;

namespace HostedMail.Portal.Mail;

/// <summary>
/// Sends the portal's own mail (address confirmation, password reset, invitation) through our
/// mail path: into a local mailbox when the recipient is hosted here, else the outbound queue.
/// In development (<c>Portal:MailMode=mailbox</c>) every such mail lands in one local mailbox,
/// readable over IMAP; <c>log</c> mode logs only the recipient's domain and the subject, never the link.
/// Every mail is DKIM-signed with the service domain's key.
/// </summary>
internal sealed partial class PortalMailer(PortalOptions options, IMessageStore messages, IMailboxStore mailboxes, ServiceDkim dkim, TimeProvider timeProvider, ILogger<PortalMailer> logger) : IPortalMail
{
    public async Task SendAsync(long tenantId, string to, string subject, string text, CancellationToken cancellationToken)
    {
        var domain = to[(to.LastIndexOf('@') + 1)..];
        if (options.MailMode == "log")
        {
            LogMail(logger, domain, subject);
            return;
        }

        // Signed with the service domain's key (the domain of Portal:MailFrom), so receivers can
        // trust mail from the service itself (RFC 6376; DMARC alignment with the From domain).
        var bytes = await dkim.SignAsync(Build(to, subject, text), cancellationToken);
        var data = MessageParsing.Prepare(bytes);
        var now = timeProvider.GetUtcNow();
        var local = await mailboxes.FindForLoginAsync(options.MailMode == "mailbox" && options.DevelopmentMailbox is { } dev ? dev : to, cancellationToken);
        if (local is not null)
        {
            await messages.StoreAsync(new StoreRequest(data, [new MailboxDelivery(local.TenantId, local.MailboxId, null, MessageFlags.None, [], now)], []), cancellationToken);
            return;
        }

        if (options.MailMode == "mailbox")
        {
            LogNoDevelopmentMailbox(logger, options.DevelopmentMailbox ?? "(not set)");
            return;
        }

        // RFC 5321 section 4.5.4.1: give up after about five days.
        var submission = new OutboundSubmission(tenantId, null, options.MailFrom, [new OutboundRecipient(to, null, null)], null, null, false, false, now.AddDays(5));
        await messages.StoreAsync(new StoreRequest(data, [], [submission]), cancellationToken);
    }

    private byte[] Build(string to, string subject, string text)
    {
        var from = SplitAddress(options.MailFrom);
        var recipient = SplitAddress(to);
        var builder = new MessageBuilder
        {
            Subject = subject,
            TextBody = text,
        };
        builder.From.Add(new MailboxAddress("HostedMail", from.Local, from.Domain));
        builder.To.Add(new MailboxAddress(null, recipient.Local, recipient.Domain));
        builder.ExtraHeaders.Add(new("Auto-Submitted", "auto-generated"));   // RFC 3834 section 5
        return builder.Build(new MessageBuilderOptions { TimeProvider = timeProvider, AllowUtf8Headers = true });
    }

    private static (string Local, string Domain) SplitAddress(string address)
    {
        var at = address.LastIndexOf('@');
        return (address[..at], address[(at + 1)..]);
    }

    [LoggerMessage(EventId = 8110, Level = LogLevel.Information, Message = "Portal mail to a recipient at {Domain}: {Subject} (MailMode=log: not delivered)")]
    private static partial void LogMail(ILogger logger, string domain, string subject);

    [LoggerMessage(EventId = 8111, Level = LogLevel.Warning, Message = "Portal:DevelopmentMailbox {Mailbox} is not an active local mailbox; portal mail dropped")]
    private static partial void LogNoDevelopmentMailbox(ILogger logger, string mailbox);
}
