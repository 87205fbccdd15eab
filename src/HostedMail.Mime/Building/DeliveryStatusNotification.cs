using System.Text;

namespace HostedMail.Mime;

/// <summary>The per-recipient block of a delivery status notification (RFC 3464 section 2.3).</summary>
public sealed record DsnRecipient(string FinalRecipient, DsnAction Action, string Status)
{
    /// <summary>The ORCPT of the original transaction, if any (RFC 3464 section 2.3.1): <c>type;address</c> as given, or a bare address.</summary>
    public string? OriginalRecipient { get; init; }

    /// <summary>The remote MTA's name (section 2.3.5).</summary>
    public string? RemoteMta { get; init; }

    /// <summary>The reply or reason that caused the failure, e.g. "550 5.1.1 No such user" (section 2.3.6).</summary>
    public string? DiagnosticCode { get; init; }

    /// <summary>
    /// The diagnostic-type of <see cref="DiagnosticCode"/> (section 2.3.6): "smtp" when it is an SMTP
    /// server's reply, an "X-" name when it is the reporting MTA's own text (a DNS failure, a refused connection).
    /// </summary>
    public string DiagnosticType { get; init; } = "smtp";

    /// <summary>When delivery was last attempted (section 2.3.7).</summary>
    public DateTimeOffset? LastAttemptDate { get; init; }

    /// <summary>For delayed DSNs, when the MTA will give up (section 2.3.9).</summary>
    public DateTimeOffset? WillRetryUntil { get; init; }
}

/// <summary>The Action field values of RFC 3464 section 2.3.3.</summary>
public enum DsnAction
{
    /// <summary>The message could not be delivered.</summary>
    Failed,

    /// <summary>Delivery is delayed; the MTA keeps trying.</summary>
    Delayed,

    /// <summary>Delivered.</summary>
    Delivered,

    /// <summary>Relayed to a system that does not send DSNs.</summary>
    Relayed,

    /// <summary>Delivered and forwarded to further recipients.</summary>
    Expanded,
}

/// <summary>Builds bounce and delay messages: multipart/report with message/delivery-status (RFC 3464, RFC 6522; RFC 6533 for UTF-8 messages).</summary>
public sealed class DeliveryStatusNotification
{
    /// <summary>Creates a DSN reported by an MTA.</summary>
    public DeliveryStatusNotification(string reportingMta, MailboxAddress from, MailboxAddress to)
    {
        ReportingMta = reportingMta;
        From = from;
        To = to;
    }

    /// <summary>The host name of the MTA writing the report.</summary>
    public string ReportingMta { get; }

    /// <summary>The report's From, usually MAILER-DAEMON@host.</summary>
    public MailboxAddress From { get; }

    /// <summary>The report's recipient: the original envelope sender.</summary>
    public MailboxAddress To { get; }

    /// <summary>The ENVID of the original transaction (RFC 3461), if any.</summary>
    public string? OriginalEnvelopeId { get; set; }

    /// <summary>When the original message arrived.</summary>
    public DateTimeOffset? ArrivalDate { get; set; }

    /// <summary>The recipients reported on.</summary>
    public List<DsnRecipient> Recipients { get; } = [];

    /// <summary>The report's Subject; by default it says whether mail failed, is delayed or was delivered.</summary>
    public string? Subject { get; set; }

    /// <summary>The language tag of <see cref="Explanation"/> (RFC 3282 Content-Language), if not English.</summary>
    public string? Language { get; set; }

    /// <summary>The human-readable explanation (the first part).</summary>
    public string Explanation { get; set; } = "This is the mail system. Your message could not be delivered to one or more recipients.";

    /// <summary>The original message, or empty.</summary>
    public ReadOnlyMemory<byte> OriginalMessage { get; set; }

    /// <summary>Return the whole original (RET=FULL) rather than only its header (RET=HDRS, the default).</summary>
    public bool ReturnFullMessage { get; set; }

    /// <summary>Builds the report message.</summary>
    public byte[] Build(MessageBuilderOptions? options = null)
    {
        options ??= MessageBuilderOptions.Default;
        bool utf8 = !Ascii.IsValid(OriginalMessage.Span) || !Ascii.IsValid(To.Address);
        MimeNode explanation = MimeNode.Text("plain", Explanation, options);
        if (Language is not null)
        {
            explanation.Headers.Add(new("Content-Language", Language));
        }

        var parts = new List<MimeNode>
        {
            explanation,
            MimeNode.Leaf("message", utf8 ? "global-delivery-status" : "delivery-status", Encoding.UTF8.GetBytes(StatusFields()), utf8 ? ContentEncoding.EightBit : ContentEncoding.SevenBit),
        };
        if (!OriginalMessage.IsEmpty)
        {
            MimeMessage original = MimeMessage.Parse(OriginalMessage);
            ReadOnlyMemory<byte> returned = ReturnFullMessage ? original.Raw : original.Root.RawHeader;
            byte[] crlf = BodyEncoder.ToCrlf(returned.Span);
            bool ascii = Ascii.IsValid(crlf);
            // RFC 6522 section 5 text/rfc822-headers; RFC 6533 section 6 message/global(-headers) for UTF-8.
            string subtype = ReturnFullMessage ? (ascii ? "rfc822" : "global") : (ascii ? "rfc822-headers" : "global-headers");
            string type = ReturnFullMessage || !ascii ? "message" : "text";
            parts.Add(MimeNode.Leaf(type, subtype, crlf, ascii ? ContentEncoding.SevenBit : ContentEncoding.EightBit));
        }

        MimeNode report = MimeNode.Multipart("report", parts, [("report-type", "delivery-status")]);
        var headers = new StringBuilder();
        HeaderFormatter.WriteAddresses(headers, "From", [From], options.AllowUtf8Headers);
        HeaderFormatter.WriteAddresses(headers, "To", [To], options.AllowUtf8Headers);
        HeaderFormatter.WriteUnstructured(headers, "Subject", Subject ?? DefaultSubject(), options.AllowUtf8Headers);
        headers.Append("Date: ").Append(DateParser.Format(options.TimeProvider.GetLocalNow())).Append("\r\n");
        headers.Append("Message-ID: <").Append(MessageBuilder.GenerateMessageId(ReportingMta)).Append(">\r\n");
        // RFC 3834 section 5: marks the report as automatic so nobody auto-replies to it.
        headers.Append("Auto-Submitted: auto-replied\r\n");
        headers.Append("MIME-Version: 1.0\r\n");
        return MessageBuilder.Write(headers.ToString(), report, options);
    }

    private string DefaultSubject() => Recipients.Any(r => r.Action == DsnAction.Failed) ? "Undelivered Mail Returned to Sender"
        : Recipients.Any(r => r.Action == DsnAction.Delayed) ? "Delayed Mail (still being retried)"
        : "Successful Mail Delivery Report";

    private string StatusFields()
    {
        var sb = new StringBuilder();
        // Per-message fields (RFC 3464 section 2.2).
        if (OriginalEnvelopeId is not null)
        {
            sb.Append("Original-Envelope-Id: ").Append(OriginalEnvelopeId).Append("\r\n");
        }

        sb.Append("Reporting-MTA: dns; ").Append(ReportingMta).Append("\r\n");
        if (ArrivalDate is { } arrival)
        {
            sb.Append("Arrival-Date: ").Append(DateParser.Format(arrival)).Append("\r\n");
        }

        foreach (DsnRecipient r in Recipients)
        {
            // Each per-recipient group is preceded by an empty line (section 2.1).
            sb.Append("\r\n");
            string type = Ascii.IsValid(r.FinalRecipient) ? "rfc822" : "utf-8";
            if (r.OriginalRecipient is not null)
            {
                // Section 2.3.1: address-type ";" generic-address; an ORCPT from SMTP already has its type.
                sb.Append("Original-Recipient: ");
                if (r.OriginalRecipient.IndexOf(';', StringComparison.Ordinal) <= 0)
                {
                    sb.Append(type).Append(';');
                }

                sb.Append(OneLine(r.OriginalRecipient)).Append("\r\n");
            }

            sb.Append("Final-Recipient: ").Append(type).Append(';').Append(r.FinalRecipient).Append("\r\n");
            sb.Append("Action: ").Append(r.Action.ToString().ToLowerInvariant()).Append("\r\n");
            sb.Append("Status: ").Append(r.Status).Append("\r\n");
            if (r.RemoteMta is not null)
            {
                sb.Append("Remote-MTA: dns; ").Append(r.RemoteMta).Append("\r\n");
            }

            if (r.DiagnosticCode is not null)
            {
                sb.Append("Diagnostic-Code: ").Append(r.DiagnosticType).Append("; ").Append(OneLine(r.DiagnosticCode)).Append("\r\n");
            }

            if (r.LastAttemptDate is { } last)
            {
                sb.Append("Last-Attempt-Date: ").Append(DateParser.Format(last)).Append("\r\n");
            }

            if (r.WillRetryUntil is { } until)
            {
                sb.Append("Will-Retry-Until: ").Append(DateParser.Format(until)).Append("\r\n");
            }
        }

        return sb.ToString();
    }

    private static string OneLine(string text) => text.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
