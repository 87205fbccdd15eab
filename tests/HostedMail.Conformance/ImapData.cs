using System.Globalization;
using System.Text;

namespace HostedMail.Conformance;

/// <summary>
/// IMAP response data as a tree (RFC 3501 section 4 / RFC 9051 section 4): atoms, strings (quoted
/// and literal are the same string, section 4.3), NIL and parenthesised lists. The canonical text
/// of a value is what the harness compares, so "abc" and {3}\r\nabc never count as a difference.
/// </summary>
public abstract record ImapValue
{
    public abstract void WriteCanonical(StringBuilder output);

    public string Canonical()
    {
        var output = new StringBuilder();
        WriteCanonical(output);
        return output.ToString();
    }

    public override string ToString() => Canonical();
}

public sealed record ImapAtom(string Text) : ImapValue
{
    public override void WriteCanonical(StringBuilder output) => output.Append(Text);
}

/// <summary>A string; <paramref name="IsLiteral"/> records its wire form (for syntax checks), never part of the comparison.</summary>
public sealed record ImapString(string Octets, bool IsLiteral = false) : ImapValue
{
    /// <summary>RFC 3501 section 9: a quoted string holds 7-bit TEXT-CHARs only; 8-bit data needs a literal.</summary>
    public bool IsQuoted8Bit => !IsLiteral && Octets.Any(c => c > 0x7f);

    public override void WriteCanonical(StringBuilder output) => ImapData.AppendQuoted(output, Octets);
}

public sealed record ImapNil : ImapValue
{
    public static readonly ImapNil Instance = new();

    public override void WriteCanonical(StringBuilder output) => output.Append("NIL");
}

public sealed record ImapList(IReadOnlyList<ImapValue> Items) : ImapValue
{
    public override void WriteCanonical(StringBuilder output)
    {
        output.Append('(');
        for (var i = 0; i < Items.Count; i++)
        {
            if (i > 0)
            {
                output.Append(' ');
            }

            Items[i].WriteCanonical(output);
        }

        output.Append(')');
    }
}

/// <summary>Parsing of response lines (with inlined literals, as <see cref="RawImapClient"/> returns them).</summary>
public static class ImapData
{
    /// <summary>A quoted string for a command, or a literal+ when the text cannot be quoted.</summary>
    public static string Quote(string text)
    {
        if (text.Any(c => c is '\r' or '\n' or '\0' || c > 0x7e))
        {
            var octets = Encoding.UTF8.GetBytes(text);
            return "{" + octets.Length + "+}\r\n" + RawImapClient.Octets.GetString(octets);
        }

        return "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Canonical quoting: printable ASCII as is, every other octet as \xHH (never ambiguous).</summary>
    public static void AppendQuoted(StringBuilder output, string octets)
    {
        output.Append('"');
        foreach (var c in octets)
        {
            if (c is '"' or '\\')
            {
                output.Append('\\').Append(c);
            }
            else if (c is >= ' ' and <= '~')
            {
                output.Append(c);
            }
            else
            {
                output.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        output.Append('"');
    }

    /// <summary>Parses every value of <paramref name="text"/> from <paramref name="position"/> to its end.</summary>
    public static List<ImapValue> ParseAll(string text, int position = 0)
    {
        var values = new List<ImapValue>();
        while (true)
        {
            SkipSpaces(text, ref position);
            if (position >= text.Length)
            {
                return values;
            }

            values.Add(ParseValue(text, ref position));
        }
    }

    public static ImapValue ParseValue(string text, ref int position)
    {
        SkipSpaces(text, ref position);
        if (position >= text.Length)
        {
            throw new FormatException("expected a value at the end of: " + Shorten(text));
        }

        var c = text[position];
        if (c == '(')
        {
            position++;
            var items = new List<ImapValue>();
            while (true)
            {
                SkipSpaces(text, ref position);
                if (position >= text.Length)
                {
                    throw new FormatException("unclosed list in: " + Shorten(text));
                }

                if (text[position] == ')')
                {
                    position++;
                    return new ImapList(items);
                }

                items.Add(ParseValue(text, ref position));
            }
        }

        if (c == '"')
        {
            var value = new StringBuilder();
            position++;
            while (position < text.Length && text[position] != '"')
            {
                if (text[position] == '\\' && position + 3 < text.Length && text[position + 1] == 'x' &&
                    int.TryParse(text.AsSpan(position + 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var octet))
                {
                    // "\xHH" only occurs in this harness's canonical text (AppendQuoted), never on the wire
                    // (RFC 3501 section 9: only \" and \\ are escapes), so re-parsing canonical text is lossless.
                    value.Append((char)octet);
                    position += 4;
                    continue;
                }

                if (text[position] == '\\' && position + 1 < text.Length)
                {
                    position++;
                }

                value.Append(text[position++]);
            }

            position++;
            return new ImapString(value.ToString());
        }

        if (c == '{' || (c == '~' && position + 1 < text.Length && text[position + 1] == '{'))
        {
            var close = text.IndexOf('}', position);
            var open = text.IndexOf('{', position);
            var length = int.Parse(text.AsSpan(open + 1, close - open - 1).TrimEnd('+'), CultureInfo.InvariantCulture);
            var start = close + 3;
            position = start + length;
            return new ImapString(text.Substring(start, length), IsLiteral: true);
        }

        // An atom; a "[...]" inside it (BODY[HEADER.FIELDS (A B)], response codes) is taken whole,
        // spaces and parentheses included, and so is a following "<origin>".
        var atom = new StringBuilder();
        var depth = 0;
        while (position < text.Length)
        {
            c = text[position];
            if (depth == 0 && (c is ' ' or ')' or '(' or '\r' or '\n'))
            {
                break;
            }

            if (c == '[')
            {
                depth++;
            }
            else if (c == ']' && depth > 0)
            {
                depth--;
            }

            atom.Append(c);
            position++;
        }

        var word = atom.ToString();
        return word.Equals("NIL", StringComparison.OrdinalIgnoreCase) ? ImapNil.Instance : new ImapAtom(word);
    }

    /// <summary>The key=value pairs of a FETCH response ("* n FETCH (K V K V ...)"), keys upper-cased and spaces collapsed.</summary>
    public static Dictionary<string, ImapValue> ParseFetch(string response, out int sequenceNumber)
    {
        // "* " number " FETCH " list
        var parts = response.Split(' ', 4);
        if (parts.Length < 4 || parts[0] != "*" || !parts[2].Equals("FETCH", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException("not a FETCH response: " + Shorten(response));
        }

        sequenceNumber = int.Parse(parts[1], CultureInfo.InvariantCulture);
        var position = response.IndexOf('(', StringComparison.Ordinal);
        var list = (ImapList)ParseValue(response, ref position);
        var items = new Dictionary<string, ImapValue>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < list.Items.Count; i += 2)
        {
            items[NormaliseKey(((ImapAtom)list.Items[i]).Text)] = list.Items[i + 1];
        }

        return items;
    }

    /// <summary>A FETCH item name as the response names it: upper case, single spaces, ".PEEK" dropped (RFC 3501 section 7.4.2).</summary>
    public static string NormaliseKey(string key) =>
        string.Join(' ', key.ToUpperInvariant().Replace(".PEEK", string.Empty, StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Every string anywhere in a value.</summary>
    public static IEnumerable<ImapString> Strings(ImapValue value) => value switch
    {
        ImapString s => [s],
        ImapList l => l.Items.SelectMany(Strings),
        _ => [],
    };

    public static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + $"... ({text.Length} chars)";

    private static void SkipSpaces(string text, ref int position)
    {
        while (position < text.Length && text[position] == ' ')
        {
            position++;
        }
    }
}
