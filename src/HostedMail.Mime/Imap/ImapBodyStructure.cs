namespace HostedMail.Mime;

/// <summary>Produces IMAP ENVELOPE, BODY and BODYSTRUCTURE data for a message (RFC 9051 section 7.5.2, RFC 3501 section 7.4.2).</summary>
public static class ImapBodyStructure
{
    /// <summary>
    /// The version of what <see cref="Envelope"/> and <see cref="BodyStructure"/> produce for an
    /// IMAP4rev1 session. Stores cache both per blob; a cached value of another version is stale and
    /// is recomputed (bump it with every change of the output).
    /// </summary>
    public const int Version = 2;

    /// <summary>
    /// Whether the IMAP4rev2 BODYSTRUCTURE of a message is byte for byte its IMAP4rev1 one, read
    /// from the IMAP4rev1 form alone, so that a session that enabled IMAP4rev2 can use the cached
    /// value without parsing the message. The forms differ only in message/global parts and in
    /// charset-encoded RFC 2231 parameters (whose names keep their asterisk, <c>"filename*"</c>),
    /// and UTF8=ACCEPT quoting matters only for non-ASCII strings, which the IMAP4rev1 form
    /// writes as 8-bit bytes or literals. Any of these marks (or a string that merely looks like
    /// one) answers false, and the caller computes the IMAP4rev2 form.
    /// </summary>
    public static bool SameForImap4rev2(ReadOnlySpan<byte> imap4rev1Structure) =>
        !imap4rev1Structure.ContainsAnyInRange((byte)0x80, (byte)0xFF)
        && !imap4rev1Structure.Contains((byte)'{')
        && imap4rev1Structure.IndexOf("*\""u8) < 0
        && !ContainsIgnoreCase(imap4rev1Structure, "\"global\""u8);

    private static bool ContainsIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> lowerCaseValue)
    {
        for (int i = 0; i + lowerCaseValue.Length <= text.Length; i++)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(text.Slice(i, lowerCaseValue.Length), lowerCaseValue))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The ENVELOPE data item value: a parenthesised list.</summary>
    public static byte[] Envelope(MimeMessage message, bool utf8Quoted = false)
    {
        var w = new ImapWriter(utf8Quoted);
        WriteEnvelope(w, message);
        return w.ToArray();
    }

    /// <summary>The BODYSTRUCTURE (extensible, with extension data) or BODY (non-extensible) value.</summary>
    /// <remarks>
    /// <paramref name="imap4rev2"/>: the session enabled IMAP4rev2 (RFC 9051), which changes the
    /// form of message/global parts and of RFC 2231 charset-encoded parameters.
    /// </remarks>
    public static byte[] BodyStructure(MimeMessage message, bool extensible = true, bool utf8Quoted = false, bool imap4rev2 = false)
    {
        var w = new ImapWriter(utf8Quoted);
        WriteBody(w, message.Root, extensible, imap4rev2);
        return w.ToArray();
    }

    /// <summary>Writes ENVELOPE: date, subject, from, sender, reply-to, to, cc, bcc, in-reply-to, message-id.</summary>
    public static void WriteEnvelope(ImapWriter w, MimeMessage message)
    {
        HeaderList h = message.Headers;
        w.Open();
        // Values are the raw (unfolded, not RFC 2047-decoded) header values; clients decode.
        w.NString(h.GetValue("Date"));
        w.NString(h.GetValue("Subject"));
        IReadOnlyList<MailAddress> from = message.GetAddresses("From");
        WriteAddresses(w, from);
        // RFC 9051 section 7.5.2: sender and reply-to default to from when absent.
        IReadOnlyList<MailAddress> sender = message.GetAddresses("Sender");
        WriteAddresses(w, sender.Count > 0 ? sender : from);
        IReadOnlyList<MailAddress> replyTo = message.GetAddresses("Reply-To");
        WriteAddresses(w, replyTo.Count > 0 ? replyTo : from);
        WriteAddresses(w, message.GetAddresses("To"));
        WriteAddresses(w, message.GetAddresses("Cc"));
        WriteAddresses(w, message.GetAddresses("Bcc"));
        w.NString(h.GetValue("In-Reply-To"));
        w.NString(h.GetValue("Message-ID"));
        w.Close();
    }

    private static void WriteAddresses(ImapWriter w, IReadOnlyList<MailAddress> list)
    {
        if (list.Count == 0)
        {
            w.Nil();
            return;
        }

        w.Open();
        foreach (MailAddress a in list)
        {
            if (a is MailboxAddress m)
            {
                WriteMailbox(w, m);
            }
            else if (a is GroupAddress g)
            {
                // RFC 9051 section 7.5.2: group start (NIL NIL "name" NIL), members, end (NIL NIL NIL NIL).
                w.Open();
                w.Nil();
                w.Nil();
                w.NString(g.RawDisplayName ?? string.Empty);
                w.Nil();
                w.Close();
                foreach (MailboxAddress member in g.Members)
                {
                    WriteMailbox(w, member);
                }

                w.Open();
                w.Nil();
                w.Nil();
                w.Nil();
                w.Nil();
                w.Close();
            }
        }

        w.Close();
    }

    private static void WriteMailbox(ImapWriter w, MailboxAddress m)
    {
        w.Open();
        w.NString(m.RawDisplayName);
        w.NString(m.Route);
        w.NString(m.LocalPart);
        // A NIL host would mean a group marker, so a missing domain is an empty string.
        w.NString(m.Domain);
        w.Close();
    }

    /// <summary>Writes the body structure of an entity.</summary>
    public static void WriteBody(ImapWriter w, MimeEntity e, bool extensible, bool imap4rev2 = false)
    {
        ContentType type = e.ContentType;
        if (e.IsMultipart)
        {
            w.Open();
            if (e.Children.Count == 0)
            {
                // A multipart must have at least one part (RFC 9051 body-type-mpart); a broken one
                // gets an empty text/plain part, as established servers do.
                w.Open();
                w.NString("text");
                w.NString("plain");
                w.Open();
                w.NString("charset");
                w.NString("us-ascii");
                w.Close();
                w.Nil();
                w.Nil();
                w.NString("7bit");
                w.Number(0);
                w.Number(0);
                if (extensible)
                {
                    // md5, disposition, language, location: none, like every part's extension data.
                    w.Nil();
                    w.Nil();
                    w.Nil();
                    w.Nil();
                }

                w.Close();
            }

            foreach (MimeEntity child in e.Children)
            {
                w.Adjacent();
                WriteBody(w, child, extensible, imap4rev2);
            }

            w.NString(type.MediaSubtype);
            if (extensible)
            {
                WriteParameters(w, type.Parameters, imap4rev2);
                WriteExtension(w, e, imap4rev2);
            }

            w.Close();
            return;
        }

        w.Open();
        w.NString(type.MediaType);
        w.NString(type.MediaSubtype);
        if (type.IsText && !type.Parameters.Any(p => p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase)))
        {
            // RFC 2045 section 5.2: a text part without a charset is us-ascii; say so, as the
            // body-fld-param of a text part is where clients look for it (Dovecot does the same).
            WriteParameters(w, type.Parameters, imap4rev2, ("charset", "us-ascii"));
        }
        else
        {
            WriteParameters(w, type.Parameters, imap4rev2);
        }

        w.NString(e.Headers.GetValue("Content-ID"));
        w.NString(e.Headers.GetValue("Content-Description"));
        w.NString(Mechanism(e.Headers.GetValue("Content-Transfer-Encoding")));
        w.Number(e.BodyLength);
        // body-type-msg: envelope, body, lines. RFC 3501 section 9 (media-message) has it for
        // MESSAGE/RFC822 only, so an IMAP4rev1 client gets a message/global part as a
        // body-type-basic (a parser following that grammar fails otherwise); RFC 9051 section 9
        // adds MESSAGE/GLOBAL for IMAP4rev2.
        if (e.Message is not null && (imap4rev2 || type.MediaSubtype.Equals("rfc822", StringComparison.OrdinalIgnoreCase)))
        {
            WriteEnvelope(w, e.Message);
            WriteBody(w, e.Message.Root, extensible, imap4rev2);
            w.Number(e.BodyLines);
        }
        else if (type.IsText)
        {
            w.Number(e.BodyLines);
        }

        if (extensible)
        {
            w.NString(e.Headers.GetValue("Content-MD5"));
            WriteExtension(w, e, imap4rev2);
        }

        w.Close();
    }

    /// <summary>
    /// body-fld-enc: the mechanism token of the Content-Transfer-Encoding field (RFC 2045 section 6.1:
    /// encoding := "Content-Transfer-Encoding" ":" mechanism), without comments or anything the
    /// grammar does not allow after it ("binary; foo=bar"); 7bit when the field is absent or empty.
    /// </summary>
    private static string Mechanism(string? value)
    {
        if (value is null)
        {
            return "7bit";
        }

        string text = HeaderLexer.StripComments(value).Trim();
        int end = 0;
        while (end < text.Length && text[end] > ' ' && text[end] < 0x7F && "()<>@,;:\\\"/[]?=".IndexOf(text[end], StringComparison.Ordinal) < 0)
        {
            end++;
        }

        return end == 0 ? (text.Length == 0 ? "7bit" : text) : text[..end];
    }

    private static void WriteExtension(ImapWriter w, MimeEntity e, bool imap4rev2)
    {
        ContentDisposition? d = e.ContentDisposition;
        if (d is null)
        {
            w.Nil();
        }
        else
        {
            w.Open();
            w.NString(d.Disposition);
            WriteParameters(w, d.Parameters, imap4rev2);
            w.Close();
        }

        string? language = e.Headers.GetValue("Content-Language");
        string[] languages = language is null ? [] : HeaderLexer.StripComments(language).Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (languages.Length == 0)
        {
            w.Nil();
        }
        else if (languages.Length == 1)
        {
            w.NString(languages[0]);
        }
        else
        {
            w.Open();
            foreach (string l in languages)
            {
                w.NString(l);
            }

            w.Close();
        }

        string? location = e.Headers.GetValue("Content-Location");
        w.NString(location is null ? null : string.Concat(location.Where(c => !char.IsWhiteSpace(c))));
    }

    private static void WriteParameters(ImapWriter w, ParameterList parameters, bool imap4rev2, (string Name, string Value)? extra = null)
    {
        if (parameters.Count == 0 && extra is null)
        {
            w.Nil();
            return;
        }

        w.Open();
        foreach (MimeParameter p in parameters.ForImap(imap4rev2))
        {
            w.NString(p.Name);
            w.NString(p.Value);
        }

        if (extra is { } x)
        {
            w.NString(x.Name);
            w.NString(x.Value);
        }

        w.Close();
    }
}
