using System.Text;

namespace HostedMail.Smtp.Protocol;

/// <summary>MAIL FROM and RCPT TO: the path and the ESMTP parameters (RFC 5321 section 4.1.2 Mail-parameters / Rcpt-parameters).</summary>
internal static class SmtpParameterParser
{
    [Flags]
    private enum Seen
    {
        None = 0,
        Size = 1,
        Body = 2,
        SmtpUtf8 = 4,
        Ret = 8,
        EnvId = 16,
        Auth = 32,
        RequireTls = 64,
        Notify = 128,
        Orcpt = 256,
    }

    public static SmtpReply? ParseMail(ReadOnlySpan<byte> args, SmtpProtocolLimits limits, ref SmtpCommand command)
    {
        if (!TryStrip(args, "FROM:"u8, out var rest))
        {
            return SmtpReplies.MailSyntax;
        }
        var n = SmtpPathParser.Parse(rest, allowNull: true, allowPostmaster: false, limits, out var path, out var error);
        if (n < 0)
        {
            return error == SmtpPathParser.PathError.Syntax ? SmtpReplies.BadSenderSyntax : SmtpReplies.SenderTooLong;
        }
        rest = rest[n..];
        var parameters = new SmtpMailParameters();
        var seen = Seen.None;
        while (NextParameter(ref rest, out var keyword, out var value, out var hasValue, out var malformed))
        {
            if (malformed)
            {
                return SmtpReplies.BadParameter;
            }
            Seen flag;
            if (Ascii.EqualsIgnoreCase(keyword, "SIZE"u8))
            {
                // RFC 1870 section 3: size-value = 1*20DIGIT.
                flag = Seen.Size;
                if (!hasValue || !SmtpCommandParser.TryParseDecimal(value, out var size))
                {
                    return SmtpReplies.BadParameter;
                }
                parameters = parameters with { Size = size };
            }
            else if (Ascii.EqualsIgnoreCase(keyword, "BODY"u8))
            {
                flag = Seen.Body;
                SmtpBodyType body;
                if (!hasValue)
                {
                    return SmtpReplies.BadParameter;
                }
                else if (Ascii.EqualsIgnoreCase(value, "7BIT"u8))
                {
                    body = SmtpBodyType.SevenBit;
                }
                else if (Ascii.EqualsIgnoreCase(value, "8BITMIME"u8))
                {
                    body = SmtpBodyType.EightBitMime;
                }
                else if (Ascii.EqualsIgnoreCase(value, "BINARYMIME"u8))
                {
                    body = SmtpBodyType.BinaryMime;
                }
                else
                {
                    return SmtpReplies.BadParameter;
                }
                parameters = parameters with { Body = body };
            }
            else if (Ascii.EqualsIgnoreCase(keyword, "SMTPUTF8"u8))
            {
                flag = Seen.SmtpUtf8;
                if (hasValue)
                {
                    return SmtpReplies.BadParameter;
                }
                parameters = parameters with { SmtpUtf8 = true };
            }
            else if (Ascii.EqualsIgnoreCase(keyword, "REQUIRETLS"u8))
            {
                flag = Seen.RequireTls;
                if (hasValue)
                {
                    return SmtpReplies.BadParameter;
                }
                parameters = parameters with { RequireTls = true };
            }
            else if (Ascii.EqualsIgnoreCase(keyword, "RET"u8))
            {
                flag = Seen.Ret;
                if (hasValue && Ascii.EqualsIgnoreCase(value, "FULL"u8))
                {
                    parameters = parameters with { Return = SmtpDsnReturn.Full };
                }
                else if (hasValue && Ascii.EqualsIgnoreCase(value, "HDRS"u8))
                {
                    parameters = parameters with { Return = SmtpDsnReturn.Headers };
                }
                else
                {
                    return SmtpReplies.BadParameter;
                }
            }
            else if (Ascii.EqualsIgnoreCase(keyword, "ENVID"u8))
            {
                // RFC 3461 section 4.4: xtext, at most 100 characters.
                flag = Seen.EnvId;
                if (!hasValue || value.Length > 100 || Xtext.Decode(value) is not { } envid)
                {
                    return SmtpReplies.BadParameter;
                }
                parameters = parameters with { EnvelopeId = envid };
            }
            else if (Ascii.EqualsIgnoreCase(keyword, "AUTH"u8))
            {
                // RFC 4954 section 5: AUTH=<> or AUTH=xtext(mailbox).
                flag = Seen.Auth;
                if (!hasValue || Xtext.Decode(value) is not { Length: > 0 } auth)
                {
                    return SmtpReplies.BadParameter;
                }
                parameters = parameters with { Auth = auth };
            }
            else
            {
                return SmtpReplies.UnknownParameter;
            }
            if ((seen & flag) != 0)
            {
                return SmtpReplies.BadParameter;
            }
            seen |= flag;
        }
        command = command with { Path = path, MailParameters = parameters };
        return null;
    }

    public static SmtpReply? ParseRcpt(ReadOnlySpan<byte> args, SmtpProtocolLimits limits, ref SmtpCommand command)
    {
        if (!TryStrip(args, "TO:"u8, out var rest))
        {
            return SmtpReplies.RcptSyntax;
        }
        var n = SmtpPathParser.Parse(rest, allowNull: false, allowPostmaster: true, limits, out var path, out var error);
        if (n < 0)
        {
            return error == SmtpPathParser.PathError.Syntax ? SmtpReplies.BadRecipientSyntax : SmtpReplies.RecipientTooLong;
        }
        rest = rest[n..];
        var parameters = new SmtpRcptParameters();
        var seen = Seen.None;
        while (NextParameter(ref rest, out var keyword, out var value, out var hasValue, out var malformed))
        {
            if (malformed)
            {
                return SmtpReplies.BadParameter;
            }
            Seen flag;
            if (Ascii.EqualsIgnoreCase(keyword, "NOTIFY"u8))
            {
                flag = Seen.Notify;
                if (!hasValue || ParseNotify(value) is not { } notify)
                {
                    return SmtpReplies.BadParameter;
                }
                parameters = parameters with { Notify = notify };
            }
            else if (Ascii.EqualsIgnoreCase(keyword, "ORCPT"u8))
            {
                // RFC 3461 section 4.2: addr-type ";" xtext; RFC 6533 adds utf-8-addr forms.
                flag = Seen.Orcpt;
                var semi = value.IndexOf((byte)';');
                if (!hasValue || semi <= 0 || semi == value.Length - 1 || value.Length > 500)
                {
                    return SmtpReplies.BadParameter;
                }
                var type = value[..semi];
                var address = value[(semi + 1)..];
                foreach (var b in type)
                {
                    if (!char.IsAsciiLetterOrDigit((char)b) && b != '-')
                    {
                        return SmtpReplies.BadParameter;
                    }
                }
                if (Ascii.EqualsIgnoreCase(type, "rfc822"u8) && Xtext.Decode(address) is null)
                {
                    return SmtpReplies.BadParameter;
                }
                parameters = parameters with
                {
                    OriginalRecipientType = Encoding.ASCII.GetString(type),
                    OriginalRecipient = Encoding.UTF8.GetString(address),
                };
            }
            else
            {
                return SmtpReplies.UnknownParameter;
            }
            if ((seen & flag) != 0)
            {
                return SmtpReplies.BadParameter;
            }
            seen |= flag;
        }
        command = command with { Path = path, RcptParameters = parameters };
        return null;
    }

    // "FROM:" / "TO:" case-insensitively. RFC 5321 has no space after the colon, but "MAIL FROM: <a@b>"
    // is common in the wild and unambiguous, so spaces there are skipped (Postfix does the same).
    private static bool TryStrip(ReadOnlySpan<byte> args, ReadOnlySpan<byte> prefix, out ReadOnlySpan<byte> rest)
    {
        rest = default;
        if (args.Length < prefix.Length || !Ascii.EqualsIgnoreCase(args[..prefix.Length], prefix))
        {
            return false;
        }
        rest = args[prefix.Length..].TrimStart((byte)' ');
        return true;
    }

    /// <summary>esmtp-param = esmtp-keyword ["=" esmtp-value], separated by SP.</summary>
    private static bool NextParameter(ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> keyword, out ReadOnlySpan<byte> value, out bool hasValue, out bool malformed)
    {
        keyword = default;
        value = default;
        hasValue = false;
        malformed = false;
        if (rest.IsEmpty)
        {
            return false;
        }
        if (rest[0] != ' ')
        {
            // Something glued to the path ("<a@b>SIZE=1").
            malformed = true;
            return true;
        }
        rest = rest.TrimStart((byte)' ');
        if (rest.IsEmpty)
        {
            return false;
        }
        var end = rest.IndexOf((byte)' ');
        var token = end < 0 ? rest : rest[..end];
        rest = end < 0 ? [] : rest[end..];
        var eq = token.IndexOf((byte)'=');
        keyword = eq < 0 ? token : token[..eq];
        // esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
        if (keyword.IsEmpty || keyword[0] == '-')
        {
            malformed = true;
            return true;
        }
        foreach (var b in keyword)
        {
            if (!char.IsAsciiLetterOrDigit((char)b) && b != '-')
            {
                malformed = true;
                return true;
            }
        }
        if (eq >= 0)
        {
            hasValue = true;
            value = token[(eq + 1)..];
            // esmtp-value = 1*(%d33-60 / %d62-126), RFC 6531 section 3.3: =/ UTF8-non-ascii.
            if (value.IsEmpty || value.Contains((byte)'='))
            {
                malformed = true;
            }
        }
        return true;
    }

    private static SmtpDsnNotify? ParseNotify(ReadOnlySpan<byte> value)
    {
        // RFC 3461 section 4.1: "NEVER" alone, or a comma list of SUCCESS, FAILURE, DELAY.
        if (Ascii.EqualsIgnoreCase(value, "NEVER"u8))
        {
            return SmtpDsnNotify.Never;
        }
        var result = SmtpDsnNotify.NotSpecified;
        foreach (var range in value.Split((byte)','))
        {
            var item = value[range];
            SmtpDsnNotify flag;
            if (Ascii.EqualsIgnoreCase(item, "SUCCESS"u8))
            {
                flag = SmtpDsnNotify.Success;
            }
            else if (Ascii.EqualsIgnoreCase(item, "FAILURE"u8))
            {
                flag = SmtpDsnNotify.Failure;
            }
            else if (Ascii.EqualsIgnoreCase(item, "DELAY"u8))
            {
                flag = SmtpDsnNotify.Delay;
            }
            else
            {
                return null;
            }
            if ((result & flag) != 0)
            {
                return null;
            }
            result |= flag;
        }
        return result;
    }
}

/// <summary>xtext of RFC 3461 section 4: printable ASCII except "+" and "=", with "+XX" hex escapes.</summary>
public static class Xtext
{
    /// <summary>Decodes xtext; null when the input is not valid xtext.</summary>
    public static string? Decode(ReadOnlySpan<byte> s)
    {
        var buffer = s.Length <= 512 ? stackalloc byte[s.Length] : new byte[s.Length];
        var n = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var b = s[i];
            if (b == '+')
            {
                // hexchar = "+" 2(%x30-39 / %x41-46): upper-case hex only.
                if (i + 2 >= s.Length || !IsUpperHex(s[i + 1]) || !IsUpperHex(s[i + 2]))
                {
                    return null;
                }
                buffer[n++] = (byte)((HexValue(s[i + 1]) << 4) | HexValue(s[i + 2]));
                i += 2;
            }
            else if (b is >= 33 and <= 126 and not (byte)'=')
            {
                buffer[n++] = b;
            }
            else
            {
                return null;
            }
        }
        return Encoding.UTF8.GetString(buffer[..n]);
    }

    private static bool IsUpperHex(byte b) => char.IsAsciiDigit((char)b) || b is >= (byte)'A' and <= (byte)'F';

    private static int HexValue(byte b) => b <= '9' ? b - '0' : b - 'A' + 10;
}
