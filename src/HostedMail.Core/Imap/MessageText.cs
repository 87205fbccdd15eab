using System.Text;
using HostedMail.Mime;

namespace HostedMail.Core.Imap;

/// <summary>
/// The decoded text SEARCH looks in (RFC 9051 section 6.4.4: matching is on decoded header values and
/// body text, case-insensitive substrings): header fields unfolded and RFC 2047-decoded, one
/// "name: value" line each with the name in lower case, and the text of the body parts.
/// </summary>
// Implementation notes:
// - Address fields get a second line rebuilt from the parsed addresses ("Name <local@domain>",
//   groups as "Group: members;"): display names decoded even where senders put encoded words
//   inside quotes, quotes and escapes removed, so FROM/TO/CC/BCC match the name as a reader sees
//   it, the address, and every group member (Dovecot matches the same way).
// - The body is the decoded text of every text part, attachments included (any transfer encoding,
//   any charset; an HTML part both as written, markup being body text, and reduced to text, so a
//   phrase split by tags still matches), plus the header fields of nested message/rfc822 parts,
//   which are part of the enclosing message's body (RFC 3501 section 6.4.4 BODY/TEXT: a substring
//   of the body; RFC 5322 section 2.1). MIME part headers are kept apart (PartHeaders): they are in
//   the body too, so TEXT ("the header or body") matches them (a file name in a Content-Type), but
//   BODY does not: Dovecot leaves them out of BODY, and "html" or a file name matching every such
//   message would be noise.
public static class MessageText
{
    /// <summary>
    /// The version of what <see cref="Extract"/> produces. message_text rows of another version are
    /// extracted again, folder by folder, at the next SEARCH that needs text (bump it with every
    /// change of the extraction).
    /// </summary>
    public const int Version = 2;

    /// <summary>Body text beyond this many characters is not indexed.</summary>
    public const int MaxBodyChars = 1 << 20;

    private static readonly string[] AddressFields = ["from", "sender", "reply-to", "to", "cc", "bcc"];

    public static (string Headers, string Body, string PartHeaders) Extract(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var headers = new StringBuilder();
        AppendHeaders(message, headers);
        var body = new StringBuilder();
        var partHeaders = new StringBuilder();
        var nestedRoots = new HashSet<MimeEntity>();
        foreach (var entity in message.Entities)
        {
            if (entity != message.Root && !nestedRoots.Contains(entity) && partHeaders.Length < MaxBodyChars)
            {
                // RFC 2045 section 3: the header of a body part (a nested message's own header is
                // in the body text below).
                foreach (var header in entity.Headers)
                {
                    partHeaders.Append(header.Name.ToLowerInvariant()).Append(": ").Append(OneLine(header.DecodedValue)).Append('\n');
                }
            }

            if (body.Length >= MaxBodyChars)
            {
                continue;
            }

            if (entity.Message is { } nested)
            {
                nestedRoots.Add(nested.Root);
                AppendHeaders(nested, body.Append('\n'));
            }
            else if (!entity.IsMultipart && entity.ContentType.IsText)
            {
                var text = entity.GetText();
                AppendLine(body, text);
                if (entity.ContentType.MediaSubtype.Equals("html", StringComparison.OrdinalIgnoreCase))
                {
                    AppendLine(body, TextExtraction.HtmlToText(text));
                }
            }
        }

        return (Clean(headers.ToString()), Clean(body.Length > MaxBodyChars ? body.ToString(0, MaxBodyChars) : body.ToString()), Clean(partHeaders.ToString()));
    }

    /// <summary>
    /// The calendar date of the Date: field as written, in the field's own zone (RFC 3501 section
    /// 6.4.4: SENTBEFORE/SENTON/SENTSINCE disregard time and timezone); null when it has none.
    /// </summary>
    public static DateOnly? SentDay(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Date is { } date ? DateOnly.FromDateTime(date.DateTime) : null;
    }

    private static void AppendHeaders(MimeMessage message, StringBuilder sb)
    {
        foreach (var header in message.Headers)
        {
            var name = header.Name.ToLowerInvariant();
            sb.Append(name).Append(": ").Append(OneLine(header.DecodedValue)).Append('\n');
        }

        foreach (var field in AddressFields)
        {
            var addresses = message.GetAddresses(field);
            if (addresses.Count > 0)
            {
                sb.Append(field).Append(": ").Append(OneLine(string.Join(", ", addresses.Select(Render)))).Append('\n');
            }
        }
    }

    private static void AppendLine(StringBuilder sb, string text)
    {
        if (sb.Length > 0)
        {
            sb.Append('\n');
        }

        sb.Append(text.AsSpan(0, Math.Min(text.Length, Math.Max(0, MaxBodyChars - sb.Length))));
    }

    private static string Render(MailAddress address) => address switch
    {
        GroupAddress g => (g.DisplayName ?? string.Empty) + ": " + string.Join(", ", g.Members.Select(Render)) + ";",
        MailboxAddress m => m.DisplayName is { Length: > 0 } name ? name + " <" + m.Address + ">" : m.Address,
        _ => string.Empty,
    };

    private static string OneLine(string value) => value.Replace('\n', ' ').Replace('\r', ' ');

    // PostgreSQL text cannot hold NUL.
    private static string Clean(string value) => value.Contains('\0', StringComparison.Ordinal) ? value.Replace("\0", string.Empty, StringComparison.Ordinal) : value;
}
