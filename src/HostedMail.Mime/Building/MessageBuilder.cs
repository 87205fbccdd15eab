using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace HostedMail.Mime;

/// <summary>Options for generated messages.</summary>
public sealed record MessageBuilderOptions
{
    /// <summary>Default options: 7-bit safe output, system clock.</summary>
    public static MessageBuilderOptions Default { get; } = new();

    /// <summary>Allow raw UTF-8 in headers (RFC 6532; only when the path supports SMTPUTF8) instead of RFC 2047 words and punycode.</summary>
    public bool AllowUtf8Headers { get; init; }

    /// <summary>Allow 8bit bodies (only when the path supports 8BITMIME, RFC 6152).</summary>
    public bool Allow8BitBodies { get; init; }

    /// <summary>Clock for the Date header.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>A file attached to, or embedded in, a built message.</summary>
public sealed record MessageAttachment(string FileName, string ContentType, ReadOnlyMemory<byte> Content)
{
    /// <summary>The Content-ID (without brackets) for inline resources referenced from HTML as "cid:".</summary>
    public string? ContentId { get; init; }
}

/// <summary>Composes RFC 5322/MIME messages: text and HTML alternatives, inline resources (multipart/related) and attachments (multipart/mixed).</summary>
public sealed class MessageBuilder
{
    /// <summary>From mailboxes.</summary>
    public List<MailAddress> From { get; } = [];

    /// <summary>Sender, when different from From.</summary>
    public MailboxAddress? Sender { get; set; }

    /// <summary>To recipients.</summary>
    public List<MailAddress> To { get; } = [];

    /// <summary>Cc recipients.</summary>
    public List<MailAddress> Cc { get; } = [];

    /// <summary>Bcc recipients (written only when <see cref="WriteBcc"/> is set).</summary>
    public List<MailAddress> Bcc { get; } = [];

    /// <summary>Reply-To addresses.</summary>
    public List<MailAddress> ReplyTo { get; } = [];

    /// <summary>Whether the Bcc header is written (RFC 5322 section 3.6.3 leaves it to the composer).</summary>
    public bool WriteBcc { get; set; }

    /// <summary>The subject.</summary>
    public string? Subject { get; set; }

    /// <summary>The Date; the clock's now when null.</summary>
    public DateTimeOffset? Date { get; set; }

    /// <summary>The Message-ID without brackets; generated when null.</summary>
    public string? MessageId { get; set; }

    /// <summary>In-Reply-To ids without brackets.</summary>
    public List<string> InReplyTo { get; } = [];

    /// <summary>References ids without brackets.</summary>
    public List<string> References { get; } = [];

    /// <summary>Extra header fields, written after the standard ones (values are encoded as unstructured text when not ASCII).</summary>
    public List<KeyValuePair<string, string>> ExtraHeaders { get; } = [];

    /// <summary>The plain text body.</summary>
    public string? TextBody { get; set; }

    /// <summary>The HTML body.</summary>
    public string? HtmlBody { get; set; }

    /// <summary>Resources referenced from the HTML body by Content-ID.</summary>
    public List<MessageAttachment> InlineResources { get; } = [];

    /// <summary>Attachments.</summary>
    public List<MessageAttachment> Attachments { get; } = [];

    /// <summary>Builds the message bytes (CRLF line endings).</summary>
    public byte[] Build(MessageBuilderOptions? options = null)
    {
        options ??= MessageBuilderOptions.Default;
        MimeNode body = BuildBodyTree(options);
        var headers = new StringBuilder();
        bool utf8 = options.AllowUtf8Headers;
        if (From.Count > 0)
        {
            HeaderFormatter.WriteAddresses(headers, "From", From, utf8);
        }

        if (Sender is not null)
        {
            HeaderFormatter.WriteAddresses(headers, "Sender", [Sender], utf8);
        }

        if (ReplyTo.Count > 0)
        {
            HeaderFormatter.WriteAddresses(headers, "Reply-To", ReplyTo, utf8);
        }

        if (To.Count > 0)
        {
            HeaderFormatter.WriteAddresses(headers, "To", To, utf8);
        }

        if (Cc.Count > 0)
        {
            HeaderFormatter.WriteAddresses(headers, "Cc", Cc, utf8);
        }

        if (Bcc.Count > 0 && WriteBcc)
        {
            HeaderFormatter.WriteAddresses(headers, "Bcc", Bcc, utf8);
        }

        if (Subject is not null)
        {
            HeaderFormatter.WriteUnstructured(headers, "Subject", Subject, utf8);
        }

        headers.Append("Date: ").Append(DateParser.Format(Date ?? options.TimeProvider.GetLocalNow())).Append("\r\n");
        string messageId = MessageId ?? GenerateMessageId(From.Mailboxes().FirstOrDefault()?.AsciiDomain);
        headers.Append("Message-ID: <").Append(messageId).Append(">\r\n");
        if (InReplyTo.Count > 0)
        {
            HeaderFormatter.Fold(headers, "In-Reply-To", InReplyTo.Select(id => "<" + id + ">"));
        }

        if (References.Count > 0)
        {
            HeaderFormatter.Fold(headers, "References", References.Select(id => "<" + id + ">"));
        }

        foreach (KeyValuePair<string, string> h in ExtraHeaders)
        {
            HeaderFormatter.WriteUnstructured(headers, h.Key, h.Value, utf8);
        }

        headers.Append("MIME-Version: 1.0\r\n");
        return Write(headers.ToString(), body, options);
    }

    internal static byte[] Write(string messageHeaders, MimeNode body, MessageBuilderOptions options)
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write(Encoding.UTF8.GetBytes(messageHeaders));
        body.Write(output, options);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Generates a unique Message-ID "random@domain" (RFC 5322 section 3.6.4).</summary>
    public static string GenerateMessageId(string? domain) =>
        Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "@" + (string.IsNullOrEmpty(domain) ? "hostedmail.invalid" : domain);

    private MimeNode BuildBodyTree(MessageBuilderOptions options)
    {
        MimeNode? text = TextBody is null ? null : MimeNode.Text("plain", TextBody, options);
        MimeNode? html = HtmlBody is null ? null : MimeNode.Text("html", HtmlBody, options);
        if (html is not null && InlineResources.Count > 0)
        {
            var related = new List<MimeNode> { html };
            related.AddRange(InlineResources.Select(r => MimeNode.Attachment(r, inline: true)));
            html = MimeNode.Multipart("related", related, [("type", "text/html")]);
        }

        MimeNode main = (text, html) switch
        {
            (not null, not null) => MimeNode.Multipart("alternative", [text, html]),
            (not null, null) => text,
            (null, not null) => html,
            _ => MimeNode.Text("plain", string.Empty, options),
        };
        if (Attachments.Count == 0)
        {
            return main;
        }

        var mixed = new List<MimeNode> { main };
        mixed.AddRange(Attachments.Select(a => MimeNode.Attachment(a, inline: false)));
        return MimeNode.Multipart("mixed", mixed);
    }
}

/// <summary>An entity to be written: a leaf with encoded content or a multipart.</summary>
internal sealed class MimeNode
{
    private MimeNode(string type, string subtype)
    {
        Type = type;
        Subtype = subtype;
    }

    public string Type { get; }

    public string Subtype { get; }

    public List<(string Name, string Value)> Parameters { get; } = [];

    public List<MimeNode> Children { get; } = [];

    public List<KeyValuePair<string, string>> Headers { get; } = [];

    public string? Disposition { get; init; }

    public List<(string Name, string Value)> DispositionParameters { get; } = [];

    public ContentEncoding Encoding { get; set; }

    public ReadOnlyMemory<byte> Content { get; set; }

    public static MimeNode Text(string subtype, string text, MessageBuilderOptions options)
    {
        byte[] bytes = BodyEncoder.ToCrlf(System.Text.Encoding.UTF8.GetBytes(text));
        ContentEncoding cte = BodyEncoder.ChooseForText(bytes, options.Allow8BitBodies);
        var node = new MimeNode("text", subtype) { Encoding = cte, Content = bytes };
        node.Parameters.Add(("charset", cte == ContentEncoding.SevenBit ? "us-ascii" : "utf-8"));
        return node;
    }

    public static MimeNode Attachment(MessageAttachment a, bool inline)
    {
        ContentType parsed = ContentType.Parse(a.ContentType);
        var node = new MimeNode(parsed.MediaType, parsed.MediaSubtype) { Disposition = inline ? "inline" : "attachment", Content = a.Content };
        foreach (MimeParameter p in parsed.Parameters)
        {
            node.Parameters.Add((p.Name, p.Value));
        }

        if (parsed.IsMessage)
        {
            // RFC 2046 section 5.2.1: message/rfc822 may only be 7bit, 8bit or binary.
            byte[] crlf = BodyEncoder.ToCrlf(a.Content.Span);
            node.Content = crlf;
            node.Encoding = System.Text.Ascii.IsValid(crlf) ? ContentEncoding.SevenBit : ContentEncoding.EightBit;
        }
        else
        {
            node.Encoding = ContentEncoding.Base64;
            node.Parameters.Add(("name", a.FileName));
        }

        node.DispositionParameters.Add(("filename", a.FileName));
        if (a.ContentId is not null)
        {
            node.Headers.Add(new("Content-ID", "<" + a.ContentId + ">"));
        }

        return node;
    }

    public static MimeNode Multipart(string subtype, List<MimeNode> children, (string, string)[]? parameters = null)
    {
        var node = new MimeNode("multipart", subtype);
        node.Children.AddRange(children);
        if (parameters is not null)
        {
            node.Parameters.AddRange(parameters);
        }

        return node;
    }

    public static MimeNode Leaf(string type, string subtype, ReadOnlyMemory<byte> content, ContentEncoding encoding)
        => new(type, subtype) { Content = content, Encoding = encoding };

    public void Write(ArrayBufferWriter<byte> output, MessageBuilderOptions options)
    {
        bool utf8 = options.AllowUtf8Headers;
        var h = new StringBuilder();
        var parameters = new List<(string, string)>(Parameters);
        string? boundary = null;
        byte[][]? encodedChildren = null;
        if (Children.Count > 0)
        {
            encodedChildren = Children.Select(c =>
            {
                var w = new ArrayBufferWriter<byte>();
                c.Write(w, options);
                return w.WrittenSpan.ToArray();
            }).ToArray();
            boundary = NewBoundary(encodedChildren);
            parameters.Add(("boundary", boundary));
        }

        HeaderFormatter.WriteWithParameters(h, "Content-Type", Type + "/" + Subtype, parameters, utf8);
        if (Children.Count == 0 && Encoding != ContentEncoding.SevenBit)
        {
            h.Append("Content-Transfer-Encoding: ").Append(Encoding switch
            {
                ContentEncoding.Base64 => "base64",
                ContentEncoding.QuotedPrintable => "quoted-printable",
                ContentEncoding.EightBit => "8bit",
                _ => "binary",
            }).Append("\r\n");
        }

        if (Disposition is not null)
        {
            HeaderFormatter.WriteWithParameters(h, "Content-Disposition", Disposition, DispositionParameters, utf8);
        }

        foreach (KeyValuePair<string, string> extra in Headers)
        {
            HeaderFormatter.WriteUnstructured(h, extra.Key, extra.Value, utf8);
        }

        h.Append("\r\n");
        output.Write(System.Text.Encoding.UTF8.GetBytes(h.ToString()));
        if (encodedChildren is not null)
        {
            byte[] delimiter = System.Text.Encoding.ASCII.GetBytes("--" + boundary);
            foreach (byte[] child in encodedChildren)
            {
                output.Write(delimiter);
                output.Write("\r\n"u8);
                output.Write(child);
                output.Write("\r\n"u8);
            }

            output.Write(delimiter);
            output.Write("--\r\n"u8);
            return;
        }

        switch (Encoding)
        {
            case ContentEncoding.Base64:
                BodyEncoder.WriteBase64(output, Content.Span);
                break;
            case ContentEncoding.QuotedPrintable:
                BodyEncoder.WriteQuotedPrintable(output, Content.Span);
                break;
            default:
                output.Write(Content.Span);
                break;
        }
    }

    private static string NewBoundary(byte[][] parts)
    {
        // RFC 2046 section 5.1.1: the boundary must not occur in the encapsulated parts. "=_" cannot
        // appear in base64 or quoted-printable output; the check covers 7bit/8bit content.
        while (true)
        {
            string b = "=_hm_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
            byte[] bytes = System.Text.Encoding.ASCII.GetBytes(b);
            if (!parts.Any(p => p.AsSpan().IndexOf(bytes) >= 0))
            {
                return b;
            }
        }
    }
}
