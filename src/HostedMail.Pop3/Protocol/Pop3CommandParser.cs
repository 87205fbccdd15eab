using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace HostedMail.Pop3.Protocol;

/// <summary>
/// Turns bytes into POP3 commands (RFC 1939 section 3, RFC 2449 section 4). Pure and synchronous:
/// it never throws on wire input, consumes nothing when the line is incomplete, and reports a
/// bad line as <see cref="Pop3ParseStatus.SyntaxError"/> with the reason for the -ERR.
/// </summary>
internal static class Pop3CommandParser
{
    /// <summary>RFC 2449 section 4: a command line is at most 255 octets including CRLF.</summary>
    public const int DefaultMaxLineLength = 255;

    // A line is copied to the stack up to this size; longer ones (only with a raised limit) to the heap.
    private const int StackLineLimit = 512;

    // Larger numbers cannot name a message; they saturate instead of failing as syntax.
    private const int MaxDigits = 20;

    /// <summary>Parses one command line from <paramref name="reader"/>.</summary>
    /// <param name="reader">Advanced past the line on Complete and SyntaxError, untouched otherwise.</param>
    /// <param name="maxLineLength">Longest line including CRLF.</param>
    /// <param name="command">The command; on SyntaxError its Verb is set when the keyword was known.</param>
    /// <param name="error">On SyntaxError, the reason to send after "-ERR ".</param>
    public static Pop3ParseStatus TryParse(ref SequenceReader<byte> reader, int maxLineLength, out Pop3Command command, out string? error)
    {
        command = default;
        error = null;
        var status = TryReadLine(ref reader, maxLineLength, out var line);
        if (status != Pop3ParseStatus.Complete)
        {
            return status;
        }

        var length = (int)line.Length;
        var buffer = length <= StackLineLimit ? stackalloc byte[StackLineLimit] : new byte[length];
        line.CopyTo(buffer);
        return Parse(buffer[..length], out command, out error);
    }

    /// <summary>
    /// Reads one line without its line end (CRLF, or a bare LF, which clients on Unix pipes send
    /// and which is unambiguous here because commands carry no binary data).
    /// </summary>
    public static Pop3ParseStatus TryReadLine(ref SequenceReader<byte> reader, int maxLineLength, out ReadOnlySequence<byte> line)
    {
        var probe = reader;
        if (!probe.TryReadTo(out line, (byte)'\n', advancePastDelimiter: true))
        {
            line = default;
            return reader.Remaining >= maxLineLength ? Pop3ParseStatus.LineTooLong : Pop3ParseStatus.Incomplete;
        }

        if (line.Length + 1 > maxLineLength)
        {
            line = default;
            return Pop3ParseStatus.LineTooLong;
        }

        if (!line.IsEmpty && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
        {
            line = line.Slice(0, line.Length - 1);
        }

        reader = probe;
        return Pop3ParseStatus.Complete;
    }

    /// <summary>Parses one line (without its line end).</summary>
    public static Pop3ParseStatus Parse(ReadOnlySpan<byte> line, out Pop3Command command, out string? error)
    {
        command = default;
        var space = line.IndexOf((byte)' ');
        var keyword = space < 0 ? line : line[..space];
        var verb = Identify(keyword);
        command = new Pop3Command(verb);
        if (verb == Pop3Verb.Unknown)
        {
            error = keyword.IsEmpty ? "Empty command" : "Unknown command";
            return Pop3ParseStatus.SyntaxError;
        }

        var arguments = space < 0 ? ReadOnlySpan<byte>.Empty : line[(space + 1)..];
        if (verb == Pop3Verb.Pass)
        {
            // RFC 1939 section 7: PASS has exactly one argument, so spaces belong to the password.
            return ParseText(verb, arguments, allowSpaces: true, out command, out error);
        }

        // Trailing spaces are a common client slip and carry no meaning; tolerate them.
        arguments = arguments.TrimEnd((byte)' ');
        if (verb == Pop3Verb.User)
        {
            return ParseText(verb, arguments, allowSpaces: false, out command, out error);
        }

        if (HasInvalidArgumentBytes(arguments))
        {
            error = "Invalid characters in arguments";
            return Pop3ParseStatus.SyntaxError;
        }

        Span<Range> parts = stackalloc Range[4];
        var count = arguments.IsEmpty ? 0 : Split(arguments, parts);
        for (var i = 0; i < count; i++)
        {
            if (arguments[parts[i]].IsEmpty)
            {
                error = "Arguments must be separated by a single space";
                return Pop3ParseStatus.SyntaxError;
            }
        }

        switch (verb)
        {
            case Pop3Verb.Stat:
            case Pop3Verb.Noop:
            case Pop3Verb.Rset:
            case Pop3Verb.Quit:
            case Pop3Verb.Capa:
            case Pop3Verb.Stls:
                return Arguments(count, 0, 0, out error, $"{Name(verb)} takes no arguments");
            case Pop3Verb.List:
            case Pop3Verb.Uidl:
                if (Arguments(count, 0, 1, out error, $"{Name(verb)} takes at most one message number") != Pop3ParseStatus.Complete)
                {
                    return Pop3ParseStatus.SyntaxError;
                }

                if (count == 0)
                {
                    return Pop3ParseStatus.Complete;
                }

                return Number(arguments[parts[0]], verb, out command, out error);
            case Pop3Verb.Retr:
            case Pop3Verb.Dele:
                if (Arguments(count, 1, 1, out error, $"{Name(verb)} requires one message number") != Pop3ParseStatus.Complete)
                {
                    return Pop3ParseStatus.SyntaxError;
                }

                return Number(arguments[parts[0]], verb, out command, out error);
            case Pop3Verb.Top:
                if (Arguments(count, 2, 2, out error, "TOP requires a message number and a number of lines") != Pop3ParseStatus.Complete
                    || Number(arguments[parts[0]], verb, out command, out error) != Pop3ParseStatus.Complete)
                {
                    return Pop3ParseStatus.SyntaxError;
                }

                if (!TryParseNumber(arguments[parts[1]], out var lines))
                {
                    error = "Invalid number of lines";
                    return Pop3ParseStatus.SyntaxError;
                }

                command = command with { Lines = lines };
                return Pop3ParseStatus.Complete;
            case Pop3Verb.Auth:
                return ParseAuth(arguments, parts, count, out command, out error);
            default:
                // APOP: recognised so that it gets a clear answer rather than "unknown command".
                error = null;
                return Pop3ParseStatus.Complete;
        }
    }

    private static Pop3ParseStatus ParseAuth(ReadOnlySpan<byte> arguments, ReadOnlySpan<Range> parts, int count, out Pop3Command command, out string? error)
    {
        command = new Pop3Command(Pop3Verb.Auth);
        error = null;
        if (count == 0)
        {
            // Without a mechanism: list them (the RFC 1734 habit many clients still probe with).
            return Pop3ParseStatus.Complete;
        }

        if (count > 2)
        {
            error = "AUTH takes a mechanism and an optional initial response";
            return Pop3ParseStatus.SyntaxError;
        }

        // RFC 4422 section 3.1: 1 to 20 characters of upper-case letters, digits, '-' and '_'.
        var mechanism = arguments[parts[0]];
        if (mechanism.Length > 20 || mechanism.ContainsAnyExcept(MechanismBytes))
        {
            error = "Invalid mechanism name";
            return Pop3ParseStatus.SyntaxError;
        }

        string? initial = null;
        if (count == 2)
        {
            var response = arguments[parts[1]];
            if (response.ContainsAnyExcept(Base64Bytes))
            {
                error = "Invalid initial response";
                return Pop3ParseStatus.SyntaxError;
            }

            initial = Encoding.ASCII.GetString(response);
        }

        command = command with { Text = Encoding.ASCII.GetString(mechanism).ToUpperInvariant(), InitialResponse = initial };
        return Pop3ParseStatus.Complete;
    }

    private static readonly SearchValues<byte> MechanismBytes = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"u8);

    // RFC 4648 alphabet, padding, and "=" alone for an empty initial response (RFC 5034 section 4).
    private static readonly SearchValues<byte> Base64Bytes = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="u8);

    private static Pop3ParseStatus ParseText(Pop3Verb verb, ReadOnlySpan<byte> text, bool allowSpaces, out Pop3Command command, out string? error)
    {
        command = new Pop3Command(verb);
        error = null;
        if (text.IsEmpty)
        {
            error = verb == Pop3Verb.Pass ? "PASS requires a password" : "USER requires a mailbox name";
            return Pop3ParseStatus.SyntaxError;
        }

        // Names and passwords may be UTF-8 (RFC 6856 allows it after UTF8; clients send it anyway);
        // control characters never belong in either.
        if (HasInvalidTextBytes(text, allowSpaces) || !Utf8.IsValid(text))
        {
            error = verb == Pop3Verb.Pass ? "Invalid characters in password" : "Invalid characters in mailbox name";
            return Pop3ParseStatus.SyntaxError;
        }

        command = command with { Text = Encoding.UTF8.GetString(text) };
        return Pop3ParseStatus.Complete;
    }

    /// <summary>Splits on single spaces into at most parts.Length ranges; the last one takes the rest.</summary>
    private static int Split(ReadOnlySpan<byte> arguments, Span<Range> parts)
    {
        var count = 0;
        var start = 0;
        while (count < parts.Length - 1)
        {
            var space = arguments[start..].IndexOf((byte)' ');
            if (space < 0)
            {
                break;
            }

            parts[count++] = new Range(start, start + space);
            start += space + 1;
        }

        parts[count++] = new Range(start, arguments.Length);
        return count;
    }

    private static bool HasInvalidTextBytes(ReadOnlySpan<byte> text, bool allowSpaces)
    {
        foreach (var b in text)
        {
            if (b < 0x20 || b == 0x7F || (b == (byte)' ' && !allowSpaces))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasInvalidArgumentBytes(ReadOnlySpan<byte> arguments)
    {
        // RFC 1939 section 3: keywords and arguments are printable ASCII, separated by spaces.
        foreach (var b in arguments)
        {
            if (b != (byte)' ' && (b < 0x21 || b > 0x7E))
            {
                return true;
            }
        }

        return false;
    }

    private static Pop3ParseStatus Arguments(int count, int min, int max, out string? error, string message)
    {
        if (count < min || count > max)
        {
            error = message;
            return Pop3ParseStatus.SyntaxError;
        }

        error = null;
        return Pop3ParseStatus.Complete;
    }

    private static Pop3ParseStatus Number(ReadOnlySpan<byte> text, Pop3Verb verb, out Pop3Command command, out string? error)
    {
        if (!TryParseNumber(text, out var value))
        {
            command = new Pop3Command(verb);
            error = "Invalid message number";
            return Pop3ParseStatus.SyntaxError;
        }

        command = new Pop3Command(verb, Message: value);
        error = null;
        return Pop3ParseStatus.Complete;
    }

    /// <summary>1*DIGIT (no sign, no spaces), saturating at int.MaxValue.</summary>
    private static bool TryParseNumber(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > MaxDigits)
        {
            return false;
        }

        long result = 0;
        foreach (var b in text)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            result = Math.Min(result * 10 + (b - '0'), int.MaxValue);
        }

        value = (int)result;
        return true;
    }

    private static Pop3Verb Identify(ReadOnlySpan<byte> keyword)
    {
        // RFC 1939 section 3: keywords are three or four characters, case-insensitive.
        if (keyword.Length is < 3 or > 4)
        {
            return Pop3Verb.Unknown;
        }

        Span<byte> upper = stackalloc byte[4];
        for (var i = 0; i < keyword.Length; i++)
        {
            var b = keyword[i];
            upper[i] = b is >= (byte)'a' and <= (byte)'z' ? (byte)(b - 32) : b;
        }

        return upper[..keyword.Length] switch
        {
            var k when k.SequenceEqual("USER"u8) => Pop3Verb.User,
            var k when k.SequenceEqual("PASS"u8) => Pop3Verb.Pass,
            var k when k.SequenceEqual("APOP"u8) => Pop3Verb.Apop,
            var k when k.SequenceEqual("AUTH"u8) => Pop3Verb.Auth,
            var k when k.SequenceEqual("STLS"u8) => Pop3Verb.Stls,
            var k when k.SequenceEqual("CAPA"u8) => Pop3Verb.Capa,
            var k when k.SequenceEqual("STAT"u8) => Pop3Verb.Stat,
            var k when k.SequenceEqual("LIST"u8) => Pop3Verb.List,
            var k when k.SequenceEqual("RETR"u8) => Pop3Verb.Retr,
            var k when k.SequenceEqual("DELE"u8) => Pop3Verb.Dele,
            var k when k.SequenceEqual("NOOP"u8) => Pop3Verb.Noop,
            var k when k.SequenceEqual("RSET"u8) => Pop3Verb.Rset,
            var k when k.SequenceEqual("QUIT"u8) => Pop3Verb.Quit,
            var k when k.SequenceEqual("UIDL"u8) => Pop3Verb.Uidl,
            var k when k.SequenceEqual("TOP"u8) => Pop3Verb.Top,
            _ => Pop3Verb.Unknown,
        };
    }

    /// <summary>The keyword as clients write it, for messages.</summary>
    public static string Name(Pop3Verb verb) => verb.ToString().ToUpperInvariant();
}
