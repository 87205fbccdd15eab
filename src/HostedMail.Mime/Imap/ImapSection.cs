using System.Globalization;
using System.Text;

namespace HostedMail.Mime;

/// <summary>What part of the addressed entity a BODY[section] fetch returns (RFC 9051 section 6.4.5).</summary>
public enum ImapSectionKind
{
    /// <summary>No text specifier: the whole message, or a part's body.</summary>
    Full,

    /// <summary>HEADER: the header block including the empty line.</summary>
    Header,

    /// <summary>HEADER.FIELDS (...): only the named fields, then an empty line.</summary>
    HeaderFields,

    /// <summary>HEADER.FIELDS.NOT (...): all but the named fields, then an empty line.</summary>
    HeaderFieldsNot,

    /// <summary>TEXT: the body of the message.</summary>
    Text,

    /// <summary>MIME: the MIME header of a part.</summary>
    Mime,
}

/// <summary>A parsed IMAP section specifier such as "1.2.HEADER.FIELDS (From To)" plus an optional partial range.</summary>
public sealed record ImapSection(IReadOnlyList<int> Part, ImapSectionKind Kind, IReadOnlyList<string> Fields)
{
    /// <summary>The partial range start (the "&lt;start.length&gt;" suffix), or null.</summary>
    public long? PartialStart { get; init; }

    /// <summary>The partial range length, or null.</summary>
    public long? PartialLength { get; init; }

    /// <summary>Parses the text between the brackets, e.g. "1.2.TEXT" or "HEADER.FIELDS (DATE FROM)", optionally followed by "]&lt;0.100&gt;" style partial ranges passed separately.</summary>
    public static bool TryParse(string section, out ImapSection result) => TryParse(section, null, out result);

    /// <summary>Parses a section and a partial specifier ("0.1024" without the angle brackets, or null).</summary>
    public static bool TryParse(string section, string? partial, out ImapSection result)
    {
        result = new ImapSection([], ImapSectionKind.Full, []);
        var parts = new List<int>();
        string s = section.Trim();
        int i = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            int start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            // RFC 9051 nz-number: part numbers start at 1.
            if (!int.TryParse(s.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n == 0)
            {
                return false;
            }

            parts.Add(n);
            if (i < s.Length)
            {
                if (s[i] != '.')
                {
                    return false;
                }

                i++;
                if (i == s.Length)
                {
                    return false;
                }
            }
        }

        string rest = s[i..];
        ImapSectionKind kind;
        var fields = new List<string>();
        if (rest.Length == 0)
        {
            kind = ImapSectionKind.Full;
        }
        else if (rest.Equals("HEADER", StringComparison.OrdinalIgnoreCase))
        {
            kind = ImapSectionKind.Header;
        }
        else if (rest.Equals("TEXT", StringComparison.OrdinalIgnoreCase))
        {
            kind = ImapSectionKind.Text;
        }
        else if (rest.Equals("MIME", StringComparison.OrdinalIgnoreCase))
        {
            // MIME needs a part number (RFC 9051 section-part "." "MIME").
            if (parts.Count == 0)
            {
                return false;
            }

            kind = ImapSectionKind.Mime;
        }
        else if (rest.StartsWith("HEADER.FIELDS.NOT", StringComparison.OrdinalIgnoreCase) && TryParseFields(rest["HEADER.FIELDS.NOT".Length..], fields))
        {
            kind = ImapSectionKind.HeaderFieldsNot;
        }
        else if (rest.StartsWith("HEADER.FIELDS", StringComparison.OrdinalIgnoreCase) && TryParseFields(rest["HEADER.FIELDS".Length..], fields))
        {
            kind = ImapSectionKind.HeaderFields;
        }
        else
        {
            return false;
        }

        long? pStart = null, pLength = null;
        if (partial is not null)
        {
            string[] pp = partial.Trim().Trim('<', '>').Split('.');
            if (pp.Length != 2 ||
                !long.TryParse(pp[0], NumberStyles.None, CultureInfo.InvariantCulture, out long ps) ||
                !long.TryParse(pp[1], NumberStyles.None, CultureInfo.InvariantCulture, out long pl) || pl == 0)
            {
                return false;
            }

            pStart = ps;
            pLength = pl;
        }

        result = new ImapSection(parts, kind, fields) { PartialStart = pStart, PartialLength = pLength };
        return true;
    }

    private static bool TryParseFields(string text, List<string> fields)
    {
        string t = text.Trim();
        if (t.Length < 2 || t[0] != '(' || t[^1] != ')')
        {
            return false;
        }

        t = t[1..^1];
        int i = 0;
        while (i < t.Length)
        {
            if (t[i] == ' ')
            {
                i++;
                continue;
            }

            if (t[i] == '"')
            {
                fields.Add(HeaderLexer.ReadQuoted(t, ref i));
                continue;
            }

            int start = i;
            while (i < t.Length && t[i] != ' ')
            {
                i++;
            }

            fields.Add(t[start..i]);
        }

        // RFC 9051 header-list: at least one header field name.
        return fields.Count > 0;
    }

    /// <summary>The canonical text of the section as a server echoes it in the response, e.g. "1.2.HEADER.FIELDS (FROM TO)".</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(string.Join('.', Part));
        string kind = Kind switch
        {
            ImapSectionKind.Header => "HEADER",
            ImapSectionKind.HeaderFields => "HEADER.FIELDS (" + string.Join(' ', Fields).ToUpperInvariant() + ")",
            ImapSectionKind.HeaderFieldsNot => "HEADER.FIELDS.NOT (" + string.Join(' ', Fields).ToUpperInvariant() + ")",
            ImapSectionKind.Text => "TEXT",
            ImapSectionKind.Mime => "MIME",
            _ => string.Empty,
        };
        if (kind.Length > 0 && sb.Length > 0)
        {
            sb.Append('.');
        }

        return sb.Append(kind).ToString();
    }
}
