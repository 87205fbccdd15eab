using System.Globalization;
using System.Text;
using HostedMail.Mime;

namespace HostedMail.Smtp.Server;

/// <summary>The trace fields a receiving server adds: Received (RFC 5321 section 4.4) and Return-Path.</summary>
internal static class TraceHeaders
{
    /// <summary>
    /// <c>Received: from HELO ([ip]) by HOST (HostedMail) with PROTOCOL id ID for &lt;rcpt&gt;; DATE</c>,
    /// with the protocol keyword of RFC 3848 / RFC 6531 and the TLS version and cipher (RFC 8314 section 4.3).
    /// </summary>
    public static string Received(ReceivedMessage message, string hostname, DateTimeOffset now)
    {
        var c = message.Connection;
        var protocol = (message.Transaction.Parameters.SmtpUtf8 ? "UTF8SMTP" : message.Esmtp ? "ESMTP" : "SMTP")
            + (c.IsTls ? "S" : string.Empty)
            + (message.Authenticated is not null ? "A" : string.Empty);
        if (protocol == "SMTPS" || protocol == "SMTPA" || protocol == "SMTPSA")
        {
            // RFC 3848 defines the S and A suffixes for ESMTP only.
            protocol = "E" + protocol;
        }

        var builder = new StringBuilder("Received: from ")
            .Append(Sanitize(message.Helo)).Append(" ([").Append(c.RemoteEndPoint.Address.ToString()).Append("])\r\n\tby ")
            .Append(hostname).Append(" (HostedMail) with ").Append(protocol);
        if (c.IsTls)
        {
            builder.Append("\r\n\t(version=").Append(c.TlsProtocol ?? "TLS").Append(" cipher=").Append(c.TlsCipherSuite ?? "unknown").Append(')');
        }

        builder.Append("\r\n\tid ").Append(message.Transaction.Id);
        // Naming the recipient only when there is one avoids disclosing Bcc lists (RFC 5321 section 7.2).
        if (message.Transaction.Recipients.Count == 1)
        {
            builder.Append("\r\n\tfor <").Append(Sanitize(message.Transaction.Recipients[0].Address)).Append('>');
        }

        return builder.Append(";\r\n\t").Append(DateHeader(now)).Append("\r\n").ToString();
    }

    public static string ReturnPath(ReceivedMessage message) =>
        "Return-Path: <" + Sanitize(message.Transaction.Sender.Address) + ">\r\n";

    /// <summary>An RFC 5322 date-time (section 3.3).</summary>
    public static string DateHeader(DateTimeOffset time) =>
        time.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + time.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", string.Empty, StringComparison.Ordinal);

    /// <summary>Client-supplied text goes into a header: keep it to one printable line.</summary>
    private static string Sanitize(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var ch in text)
        {
            builder.Append(char.IsControl(ch) || ch is '(' or ')' ? '?' : ch);
        }

        return builder.ToString();
    }

    /// <summary>Prepends header text to a message.</summary>
    public static byte[] Prepend(string headers, ReadOnlySpan<byte> message)
    {
        var count = Encoding.UTF8.GetByteCount(headers);
        var result = new byte[count + message.Length];
        Encoding.UTF8.GetBytes(headers, result);
        message.CopyTo(result.AsSpan(count));
        return result;
    }

    /// <summary>
    /// The message without Authentication-Results fields that claim to come from us (RFC 8601
    /// section 5: a forged field with our authserv-id must not survive).
    /// </summary>
    public static ReadOnlyMemory<byte> RemoveOurAuthenticationResults(ReadOnlyMemory<byte> body, MimeMessage parsed, string authServId)
    {
        var forged = parsed.Headers.GetAll("Authentication-Results")
            .Where(h => h.Value.Split(';', 2)[0].Trim().Split(' ')[0].Equals(authServId, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (forged.Count == 0)
        {
            return body;
        }

        var output = new MemoryStream(body.Length);
        var position = 0;
        foreach (var header in forged.OrderBy(h => h.Offset))
        {
            output.Write(body.Span[position..(int)header.Offset]);
            position = (int)header.Offset + header.Raw.Length;
        }

        output.Write(body.Span[position..]);
        return output.ToArray();
    }
}
