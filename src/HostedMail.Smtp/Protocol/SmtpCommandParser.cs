using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace HostedMail.Smtp.Protocol;

/// <summary>Outcome of <see cref="SmtpCommandParser.TryParse"/>.</summary>
public enum SmtpParseStatus
{
    /// <summary>A command was parsed and its line consumed.</summary>
    Complete,
    /// <summary>No complete line yet; nothing consumed. Advance with examined = end of buffer and read more.</summary>
    Incomplete,
    /// <summary>The line is (or will be) longer than the limit; nothing consumed. Send the rejection (500 5.5.6) and close the connection.</summary>
    LineTooLong,
    /// <summary>The line was consumed and is invalid; send the rejection and go on. <see cref="SmtpCommand.Verb"/> is set when the verb was recognised.</summary>
    SyntaxError,
}

/// <summary>
/// Pure SMTP command parser (RFC 5321 section 4.1 with the ESMTP extensions the server offers).
/// It never throws on wire input and allocates only for the strings a command carries.
/// </summary>
public static class SmtpCommandParser
{
    private const int StackLineLimit = 512;

    /// <summary>
    /// Parses one command line from <paramref name="reader"/>. On <see cref="SmtpParseStatus.Complete"/> and
    /// <see cref="SmtpParseStatus.SyntaxError"/> the line including CRLF has been consumed; on the other
    /// outcomes nothing has. <paramref name="rejection"/> is the exact reply for the two error outcomes.
    /// </summary>
    public static SmtpParseStatus TryParse(ref SequenceReader<byte> reader, SmtpProtocolLimits limits, out SmtpCommand command, out SmtpReply? rejection)
    {
        command = default;
        rejection = null;
        var unread = reader.UnreadSequence;
        var verbLimit = LimitFor(unread, limits);
        var status = FindLine(unread, verbLimit, out var lineLength);
        if (status != SmtpParseStatus.Complete)
        {
            rejection = status == SmtpParseStatus.LineTooLong ? SmtpReplies.LineTooLong : null;
            return status;
        }

        var line = unread.Slice(0, lineLength);
        reader.Advance(lineLength);
        if (lineLength < 2 || !EndsWithCr(line))
        {
            // RFC 5321 section 2.3.8: CR and LF only as CRLF. A lone LF ending a command is how
            // smuggling and injection tricks start, so it is a syntax error, not a line end.
            rejection = SmtpReplies.BareLineFeedInCommand;
            return SmtpParseStatus.SyntaxError;
        }

        var contentLength = (int)lineLength - 2;
        if (line.IsSingleSegment)
        {
            return ParseLine(line.FirstSpan[..contentLength], limits, out command, out rejection);
        }
        byte[]? rented = null;
        var buffer = contentLength <= StackLineLimit
            ? stackalloc byte[StackLineLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(contentLength));
        try
        {
            line.Slice(0, contentLength).CopyTo(buffer);
            return ParseLine(buffer[..contentLength], limits, out command, out rejection);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Reads one raw line (SASL responses after 334, RFC 4954 section 4). On Complete the line
    /// without CRLF is returned and consumed; bare-LF lines are consumed and reported as SyntaxError.
    /// </summary>
    public static SmtpParseStatus TryReadLine(ref SequenceReader<byte> reader, int maxLength, out ReadOnlySequence<byte> line)
    {
        line = default;
        var unread = reader.UnreadSequence;
        var status = FindLine(unread, maxLength, out var lineLength);
        if (status != SmtpParseStatus.Complete)
        {
            return status;
        }
        var whole = unread.Slice(0, lineLength);
        reader.Advance(lineLength);
        if (lineLength < 2 || !EndsWithCr(whole))
        {
            return SmtpParseStatus.SyntaxError;
        }
        line = whole.Slice(0, lineLength - 2);
        return SmtpParseStatus.Complete;
    }

    private static bool EndsWithCr(ReadOnlySequence<byte> lineWithLf)
    {
        var reader = new SequenceReader<byte>(lineWithLf.Slice(lineWithLf.Length - 2, 1));
        return reader.TryRead(out var b) && b == '\r';
    }

    private static SmtpParseStatus FindLine(ReadOnlySequence<byte> unread, int maxLength, out long lineLength)
    {
        lineLength = 0;
        var window = unread.Length > maxLength ? unread.Slice(0, maxLength) : unread;
        var lf = window.PositionOf((byte)'\n');
        if (lf is null)
        {
            // Without LF inside the first maxLength octets the line cannot end within the limit.
            return unread.Length >= maxLength ? SmtpParseStatus.LineTooLong : SmtpParseStatus.Incomplete;
        }
        lineLength = window.Slice(0, lf.Value).Length + 1;
        return SmtpParseStatus.Complete;
    }

    // The limit depends on the verb (RFC 4954 section 4 for AUTH, extension parameters for MAIL
    // and RCPT), so look at the first five octets before searching for the line end.
    private static int LimitFor(ReadOnlySequence<byte> unread, SmtpProtocolLimits limits)
    {
        if (unread.Length < 5)
        {
            return limits.MaxCommandLineLength;
        }
        Span<byte> head = stackalloc byte[5];
        unread.Slice(0, 5).CopyTo(head);
        if (head[4] != ' ')
        {
            return limits.MaxCommandLineLength;
        }
        var verb = head[..4];
        if (Ascii.EqualsIgnoreCase(verb, "AUTH"u8))
        {
            return limits.MaxAuthLineLength;
        }
        if (Ascii.EqualsIgnoreCase(verb, "MAIL"u8) || Ascii.EqualsIgnoreCase(verb, "RCPT"u8))
        {
            return limits.MaxParameterizedLineLength;
        }
        return limits.MaxCommandLineLength;
    }

    private static SmtpParseStatus ParseLine(ReadOnlySpan<byte> line, SmtpProtocolLimits limits, out SmtpCommand command, out SmtpReply? rejection)
    {
        command = default;
        // Control characters (bare CR, NUL, TAB, DEL) are in no command's grammar.
        if (line.IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0 || line.Contains((byte)0x7F))
        {
            rejection = SmtpReplies.ControlCharacterInCommand;
            return SmtpParseStatus.SyntaxError;
        }
        if (!Utf8.IsValid(line))
        {
            rejection = SmtpReplies.InvalidUtf8;
            return SmtpParseStatus.SyntaxError;
        }

        var space = line.IndexOf((byte)' ');
        var verbSpan = space < 0 ? line : line[..space];
        var args = space < 0 ? [] : TrimEnd(line[(space + 1)..]);
        var verb = RecognizeVerb(verbSpan);
        command = new SmtpCommand { Verb = verb };
        rejection = verb switch
        {
            SmtpVerb.Ehlo or SmtpVerb.Helo => ParseHelo(args, ref command),
            SmtpVerb.Mail => SmtpParameterParser.ParseMail(args, limits, ref command),
            SmtpVerb.Rcpt => SmtpParameterParser.ParseRcpt(args, limits, ref command),
            SmtpVerb.Data or SmtpVerb.Rset or SmtpVerb.Quit or SmtpVerb.StartTls =>
                args.IsEmpty ? null : SmtpReplies.NoParametersAllowed,
            SmtpVerb.Noop => null, // RFC 5321 section 4.1.1.9: the string argument is ignored.
            SmtpVerb.Help => ParseOptionalString(args, ref command),
            SmtpVerb.Vrfy or SmtpVerb.Expn => args.IsEmpty ? SmtpReplies.ArgumentRequired : ParseOptionalString(args, ref command),
            SmtpVerb.Bdat => ParseBdat(args, ref command),
            SmtpVerb.Auth => ParseAuth(args, ref command),
            SmtpVerb.HttpRequest => SmtpReplies.HttpRequest,
            SmtpVerb.NotImplemented => SmtpReplies.CommandNotImplemented,
            _ => SmtpReplies.CommandUnrecognized,
        };
        return rejection is null ? SmtpParseStatus.Complete : SmtpParseStatus.SyntaxError;
    }

    private static ReadOnlySpan<byte> TrimEnd(ReadOnlySpan<byte> s)
    {
        // Trailing spaces are not in the grammar but common ("EHLO host "); they carry no meaning.
        var end = s.Length;
        while (end > 0 && s[end - 1] == ' ')
        {
            end--;
        }
        return s[..end];
    }

    private static SmtpVerb RecognizeVerb(ReadOnlySpan<byte> v)
    {
        switch (v.Length)
        {
            case 3:
                return Ascii.EqualsIgnoreCase(v, "GET"u8) || Ascii.EqualsIgnoreCase(v, "PUT"u8) ? SmtpVerb.HttpRequest : SmtpVerb.Unknown;
            case 4:
                if (Ascii.EqualsIgnoreCase(v, "MAIL"u8)) return SmtpVerb.Mail;
                if (Ascii.EqualsIgnoreCase(v, "RCPT"u8)) return SmtpVerb.Rcpt;
                if (Ascii.EqualsIgnoreCase(v, "DATA"u8)) return SmtpVerb.Data;
                if (Ascii.EqualsIgnoreCase(v, "BDAT"u8)) return SmtpVerb.Bdat;
                if (Ascii.EqualsIgnoreCase(v, "EHLO"u8)) return SmtpVerb.Ehlo;
                if (Ascii.EqualsIgnoreCase(v, "HELO"u8)) return SmtpVerb.Helo;
                if (Ascii.EqualsIgnoreCase(v, "RSET"u8)) return SmtpVerb.Rset;
                if (Ascii.EqualsIgnoreCase(v, "NOOP"u8)) return SmtpVerb.Noop;
                if (Ascii.EqualsIgnoreCase(v, "QUIT"u8)) return SmtpVerb.Quit;
                if (Ascii.EqualsIgnoreCase(v, "AUTH"u8)) return SmtpVerb.Auth;
                if (Ascii.EqualsIgnoreCase(v, "VRFY"u8)) return SmtpVerb.Vrfy;
                if (Ascii.EqualsIgnoreCase(v, "EXPN"u8)) return SmtpVerb.Expn;
                if (Ascii.EqualsIgnoreCase(v, "HELP"u8)) return SmtpVerb.Help;
                if (Ascii.EqualsIgnoreCase(v, "SEND"u8) || Ascii.EqualsIgnoreCase(v, "SOML"u8) || Ascii.EqualsIgnoreCase(v, "SAML"u8)
                    || Ascii.EqualsIgnoreCase(v, "TURN"u8) || Ascii.EqualsIgnoreCase(v, "ETRN"u8) || Ascii.EqualsIgnoreCase(v, "ATRN"u8))
                {
                    return SmtpVerb.NotImplemented;
                }
                if (Ascii.EqualsIgnoreCase(v, "POST"u8) || Ascii.EqualsIgnoreCase(v, "HEAD"u8)) return SmtpVerb.HttpRequest;
                return SmtpVerb.Unknown;
            case 7:
                return Ascii.EqualsIgnoreCase(v, "CONNECT"u8) || Ascii.EqualsIgnoreCase(v, "OPTIONS"u8) ? SmtpVerb.HttpRequest : SmtpVerb.Unknown;
            case 8:
                return Ascii.EqualsIgnoreCase(v, "STARTTLS"u8) ? SmtpVerb.StartTls : SmtpVerb.Unknown;
            default:
                return SmtpVerb.Unknown;
        }
    }

    private static SmtpReply? ParseHelo(ReadOnlySpan<byte> args, ref SmtpCommand command)
    {
        // RFC 5321 section 4.1.1.1: exactly one Domain or address-literal. Clients send all sorts
        // of names (underscores, bare IPs); the argument is kept and its validity reported.
        if (args.IsEmpty || args.Contains((byte)' '))
        {
            return SmtpReplies.HeloSyntax;
        }
        command = command with
        {
            Argument = Encoding.UTF8.GetString(args),
            ArgumentIsValidDomain = SmtpPathParser.IsDomainOrAddressLiteral(args),
        };
        return null;
    }

    private static SmtpReply? ParseOptionalString(ReadOnlySpan<byte> args, ref SmtpCommand command)
    {
        if (!args.IsEmpty)
        {
            command = command with { Argument = Encoding.UTF8.GetString(args) };
        }
        return null;
    }

    private static SmtpReply? ParseBdat(ReadOnlySpan<byte> args, ref SmtpCommand command)
    {
        // RFC 3030 section 2: "BDAT" SP chunk-size [ SP end-marker ]; chunk-size = 1*DIGIT.
        var space = args.IndexOf((byte)' ');
        var digits = space < 0 ? args : args[..space];
        if (!TryParseDecimal(digits, out var size))
        {
            return SmtpReplies.BdatSyntax;
        }
        var last = false;
        if (space >= 0)
        {
            if (!Ascii.EqualsIgnoreCase(args[(space + 1)..], "LAST"u8))
            {
                return SmtpReplies.BdatSyntax;
            }
            last = true;
        }
        command = command with { ChunkSize = size, IsLastChunk = last };
        return null;
    }

    private static SmtpReply? ParseAuth(ReadOnlySpan<byte> args, ref SmtpCommand command)
    {
        // RFC 4954 section 4: "AUTH" SP sasl-mech [SP initial-response]; sasl-mech is
        // 1*20 of upper-case letters, digits, "-" and "_" (RFC 4422 section 3.1). Accept lower
        // case and report the upper-case name.
        var space = args.IndexOf((byte)' ');
        var mech = space < 0 ? args : args[..space];
        if (mech.IsEmpty || mech.Length > 20)
        {
            return SmtpReplies.AuthSyntax;
        }
        foreach (var b in mech)
        {
            if (!char.IsAsciiLetterOrDigit((char)b) && b is not (byte)'-' and not (byte)'_')
            {
                return SmtpReplies.AuthSyntax;
            }
        }
        string? initial = null;
        if (space >= 0)
        {
            var ir = args[(space + 1)..];
            if (ir.IsEmpty || !IsBase64OrEquals(ir))
            {
                return SmtpReplies.AuthSyntax;
            }
            initial = Encoding.ASCII.GetString(ir);
        }
        Span<byte> upper = stackalloc byte[20];
        Ascii.ToUpper(mech, upper, out var written);
        command = command with { Argument = Encoding.ASCII.GetString(upper[..written]), InitialResponse = initial };
        return null;
    }

    private static bool IsBase64OrEquals(ReadOnlySpan<byte> s)
    {
        foreach (var b in s)
        {
            if (!char.IsAsciiLetterOrDigit((char)b) && b is not (byte)'+' and not (byte)'/' and not (byte)'=')
            {
                return false;
            }
        }
        return true;
    }

    internal static bool TryParseDecimal(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        // 18 digits always fit in a long; nobody sends a chunk or message of an exabyte.
        if (digits.IsEmpty || digits.Length > 18)
        {
            return false;
        }
        foreach (var b in digits)
        {
            if (!char.IsAsciiDigit((char)b))
            {
                return false;
            }
            value = (value * 10) + (b - '0');
        }
        return true;
    }
}
