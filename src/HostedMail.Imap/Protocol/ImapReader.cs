using System.Globalization;
using System.Text;
using HostedMail.Core.Messages;

namespace HostedMail.Imap.Protocol;

/// <summary>Bad syntax found by <see cref="ImapReader"/>; caught by <see cref="ImapCommandParser.Parse"/>, never escapes it.</summary>
internal sealed class ImapSyntaxException : Exception
{
    public ImapSyntaxException()
    {
    }

    public ImapSyntaxException(string message)
        : base(message)
    {
    }

    public ImapSyntaxException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A cursor over one complete command (its lines and literals exactly as framed) with the
/// RFC 9051 section 9 productions the parser needs.
/// </summary>
internal sealed class ImapReader(ReadOnlyMemory<byte> data)
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    private int _pos;

    public bool AtEnd => _pos >= data.Length;

    public int Position => _pos;

    private ReadOnlySpan<byte> Span => data.Span;

    public static ImapSyntaxException Error(string message) => new(message);

    public byte Peek() => AtEnd ? (byte)0 : Span[_pos];

    public bool PeekIs(char c) => !AtEnd && Span[_pos] == c;

    public void Space() => Expect(' ');

    public bool TryConsume(char c)
    {
        if (PeekIs(c))
        {
            _pos++;
            return true;
        }

        return false;
    }

    public void Expect(char c)
    {
        if (!TryConsume(c))
        {
            throw Error(c == ' ' ? "expected a space" : $"expected '{c}'");
        }
    }

    public void ExpectEnd()
    {
        if (!AtEnd)
        {
            throw Error("unexpected characters at the end of the command");
        }
    }

    /// <summary>ATOM-CHAR: any CHAR except atom-specials (RFC 9051 section 9).</summary>
    public static bool IsAtomChar(byte b) => b is > 0x20 and < 0x7f and not ((byte)'(' or (byte)')' or (byte)'{' or (byte)'%' or (byte)'*' or (byte)'"' or (byte)'\\' or (byte)']');

    public string Atom()
    {
        var start = _pos;
        while (!AtEnd && IsAtomChar(Span[_pos]))
        {
            _pos++;
        }

        if (_pos == start)
        {
            throw Error("expected an atom");
        }

        return Encoding.ASCII.GetString(Span[start.._pos]);
    }

    /// <summary>A tag: ASTRING-CHAR except "+".</summary>
    public string Tag()
    {
        var start = _pos;
        while (!AtEnd && (IsAtomChar(Span[_pos]) || Span[_pos] == ']') && Span[_pos] != '+')
        {
            _pos++;
        }

        if (_pos == start)
        {
            throw Error("missing or invalid tag");
        }

        return Encoding.ASCII.GetString(Span[start.._pos]);
    }

    /// <summary>A keyword of the grammar (command names, search keys...), upper-cased; letters, digits, '.', '-' and '=' only.</summary>
    public string Word()
    {
        var start = _pos;
        while (!AtEnd && (char.IsAsciiLetterOrDigit((char)Span[_pos]) || Span[_pos] is (byte)'.' or (byte)'-' or (byte)'=' or (byte)'$' or (byte)'_'))
        {
            _pos++;
        }

        if (_pos == start)
        {
            throw Error("expected a keyword");
        }

        return Encoding.ASCII.GetString(Span[start.._pos]).ToUpperInvariant();
    }

    public bool TryWord(string word)
    {
        var save = _pos;
        if (!AtEnd && char.IsAsciiLetter((char)Span[_pos]) && Word() == word && (AtEnd || !IsAtomChar(Span[_pos])))
        {
            return true;
        }

        _pos = save;
        return false;
    }

    /// <summary>number (32-bit unsigned) or, with <paramref name="wide"/>, number64 / mod-sequence (63-bit).</summary>
    public long Number(bool wide = false)
    {
        var start = _pos;
        long value = 0;
        while (!AtEnd && Span[_pos] is >= (byte)'0' and <= (byte)'9')
        {
            if (value > (long.MaxValue - 9) / 10)
            {
                throw Error("number out of range");
            }

            value = (value * 10) + (Span[_pos] - '0');
            _pos++;
        }

        if (_pos == start)
        {
            throw Error("expected a number");
        }

        if (!wide && value > uint.MaxValue)
        {
            throw Error("number out of range");
        }

        return value;
    }

    public long NzNumber(bool wide = false)
    {
        var n = Number(wide);
        return n == 0 ? throw Error("expected a non-zero number") : n;
    }

    /// <summary>quoted or literal, as bytes.</summary>
    public ReadOnlyMemory<byte> StringBytes(bool allowBinary = false)
    {
        if (PeekIs('"'))
        {
            return Encoding.UTF8.GetBytes(Quoted());
        }

        return Literal(allowBinary, out _);
    }

    public string String() => PeekIs('"') ? Quoted() : DecodeUtf8(Literal(false, out _).Span);

    /// <summary>astring: atom (with ']' allowed) or string.</summary>
    public string AString()
    {
        // RFC 9051 section 9: "~" is an ATOM-CHAR; only "~{" starts a literal8 ("SELECT ~foo" names ~foo).
        if (PeekIs('"') || PeekIs('{') || (PeekIs('~') && _pos + 1 < data.Length && Span[_pos + 1] == '{'))
        {
            return String();
        }

        var start = _pos;
        while (!AtEnd && (IsAtomChar(Span[_pos]) || Span[_pos] == ']'))
        {
            _pos++;
        }

        if (_pos == start)
        {
            throw Error("expected a string");
        }

        return DecodeUtf8(Span[start.._pos]);
    }

    public string? NString()
    {
        if (TryWord("NIL"))
        {
            return null;
        }

        return String();
    }

    /// <summary>list-mailbox: list-char (ATOM-CHAR, '%', '*', ']') or string.</summary>
    public string ListMailbox()
    {
        if (PeekIs('"') || PeekIs('{'))
        {
            return String();
        }

        var start = _pos;
        while (!AtEnd && (IsAtomChar(Span[_pos]) || Span[_pos] is (byte)'%' or (byte)'*' or (byte)']'))
        {
            _pos++;
        }

        if (_pos == start)
        {
            throw Error("expected a mailbox pattern");
        }

        return DecodeUtf8(Span[start.._pos]);
    }

    public string Quoted()
    {
        Expect('"');
        var sb = new List<byte>();
        while (true)
        {
            if (AtEnd)
            {
                throw Error("unterminated quoted string");
            }

            var b = Span[_pos++];
            if (b == '"')
            {
                break;
            }

            if (b is (byte)'\r' or (byte)'\n' or 0)
            {
                throw Error("invalid character in quoted string");
            }

            if (b == '\\')
            {
                if (AtEnd || Span[_pos] is not ((byte)'"' or (byte)'\\'))
                {
                    throw Error("invalid escape in quoted string");
                }

                b = Span[_pos++];
            }

            sb.Add(b);
        }

        return DecodeUtf8([.. sb]);
    }

    /// <summary>A literal ({N}, {N+} or, when allowed, ~{N}) whose octets follow the CRLF; returns them without copying.</summary>
    public ReadOnlyMemory<byte> Literal(bool allowBinary, out bool binary)
    {
        binary = TryConsume('~');
        if (binary && !allowBinary)
        {
            throw Error("literal8 is not allowed here");
        }

        Expect('{');
        var size = Number(wide: true);
        TryConsume('+');
        Expect('}');
        if (!TryConsume('\r') || !TryConsume('\n'))
        {
            throw Error("a literal announcement must end the line");
        }

        if (size > data.Length - _pos)
        {
            throw Error("literal shorter than announced");
        }

        var bytes = data.Slice(_pos, (int)size);
        _pos += (int)size;
        if (!binary && bytes.Span.Contains((byte)0))
        {
            throw Error("NUL in a literal; use literal8");
        }

        return bytes;
    }

    public SequenceSet SequenceSet()
    {
        if (TryConsume('$'))
        {
            return Protocol.SequenceSet.Saved;
        }

        var ranges = new List<(long, long)>();
        do
        {
            var start = SeqNumber();
            var end = start;
            if (TryConsume(':'))
            {
                end = SeqNumber();
            }

            ranges.Add((start, end));
        }
        while (TryConsume(','));
        return new SequenceSet(ranges);
    }

    private long SeqNumber() => TryConsume('*') ? Protocol.SequenceSet.Star : NzNumber();

    /// <summary>flag-list "(" [flag *(SP flag)] ")"; \Recent and unknown system flags are refused.</summary>
    public (MessageFlags Flags, List<string> Keywords) FlagList()
    {
        Expect('(');
        var result = (MessageFlags.None, new List<string>());
        if (TryConsume(')'))
        {
            return result;
        }

        do
        {
            AddFlag(ref result);
        }
        while (TryConsume(' '));
        Expect(')');
        return result;
    }

    public void AddFlag(ref (MessageFlags Flags, List<string> Keywords) into)
    {
        if (TryConsume('\\'))
        {
            var name = Atom().ToUpperInvariant();
            into.Flags |= name switch
            {
                "SEEN" => MessageFlags.Seen,
                "ANSWERED" => MessageFlags.Answered,
                "FLAGGED" => MessageFlags.Flagged,
                "DELETED" => MessageFlags.Deleted,
                "DRAFT" => MessageFlags.Draft,
                _ => throw Error("unknown system flag \\" + name),
            };
            return;
        }

        var keyword = Atom();
        if (!into.Keywords.Contains(keyword, StringComparer.OrdinalIgnoreCase))
        {
            into.Keywords.Add(keyword);
        }
    }

    /// <summary>date: date-day "-" date-month "-" date-year, optionally quoted (SEARCH).</summary>
    public DateOnly Date()
    {
        var quoted = TryConsume('"');
        var text = Atom();
        if (quoted)
        {
            Expect('"');
        }

        var parts = text.Split('-');
        if (parts.Length != 3 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var day)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var year) || parts[2].Length != 4)
        {
            throw Error("invalid date");
        }

        var month = Array.FindIndex(Months, m => m.Equals(parts[1], StringComparison.OrdinalIgnoreCase)) + 1;
        if (month == 0 || day < 1 || day > System.DateTime.DaysInMonth(Math.Max(1, year), month) || year < 1)
        {
            throw Error("invalid date");
        }

        return new DateOnly(year, month, day);
    }

    /// <summary>date-time: DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE.</summary>
    public DateTimeOffset DateTime()
    {
        var text = Quoted();
        if (!ImapDates.TryParseDateTime(text, out var value))
        {
            throw Error("invalid date-time");
        }

        return value;
    }

    /// <summary>The raw text of a section specifier between '[' and ']' (the caller consumed '[').</summary>
    public string UntilCloseBracket()
    {
        var start = _pos;
        var quoted = false;
        while (!AtEnd && (quoted || Span[_pos] != ']'))
        {
            if (Span[_pos] == '"')
            {
                quoted = !quoted;
            }

            if (Span[_pos] is (byte)'\r' or (byte)'\n')
            {
                throw Error("unterminated section");
            }

            _pos++;
        }

        var text = Encoding.ASCII.GetString(Span[start.._pos]);
        Expect(']');
        return text;
    }

    private static string DecodeUtf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Error("invalid UTF-8");
        }
    }
}

/// <summary>IMAP date-time text (RFC 9051 section 9: "dd-Mon-yyyy hh:mm:ss +zzzz").</summary>
internal static class ImapDates
{
    public static bool TryParseDateTime(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParseExact(text.TrimStart(), ["d-MMM-yyyy HH:mm:ss zzz", "dd-MMM-yyyy HH:mm:ss zzz"], CultureInfo.InvariantCulture, DateTimeStyles.None, out value)
        || TryParseCompactZone(text.TrimStart(), out value);

    public static string Format(DateTimeOffset value)
    {
        var offset = value.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        offset = offset.Duration();
        return value.ToString("dd-MMM-yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + sign + offset.Hours.ToString("00", CultureInfo.InvariantCulture) + offset.Minutes.ToString("00", CultureInfo.InvariantCulture);
    }

    // .NET's "zzz" wants +hh:mm; IMAP zones are +hhmm.
    private static bool TryParseCompactZone(string text, out DateTimeOffset value)
    {
        value = default;
        var space = text.LastIndexOf(' ');
        if (space < 0 || text.Length - space != 6)
        {
            return false;
        }

        var zone = text[(space + 1)..];
        if (zone[0] is not ('+' or '-') || !int.TryParse(zone.AsSpan(1, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hh) || !int.TryParse(zone.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var mm) || mm > 59)
        {
            return false;
        }

        if (!System.DateTime.TryParseExact(text[..space], ["d-MMM-yyyy HH:mm:ss", "dd-MMM-yyyy HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return false;
        }

        var offset = new TimeSpan(hh, mm, 0);
        if (offset > TimeSpan.FromHours(14))
        {
            return false;
        }

        value = new DateTimeOffset(local, zone[0] == '-' ? -offset : offset);
        return true;
    }
}
