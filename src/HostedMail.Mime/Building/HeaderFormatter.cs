using System.Globalization;
using System.Text;

namespace HostedMail.Mime;

/// <summary>Formats header fields for writing: RFC 2047 encoding of non-ASCII text, RFC 2231 parameters, folding at 78 characters (RFC 5322 section 2.1.1).</summary>
internal static class HeaderFormatter
{
    public const int FoldAt = 78;

    /// <summary>Writes "Name: value" for unstructured text (Subject, Comments ...).</summary>
    public static void WriteUnstructured(StringBuilder sb, string name, string value, bool utf8)
    {
        string clean = value.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
        bool needsEncoding = (!utf8 && !Ascii.IsValid(clean)) || clean.Contains("=?", StringComparison.Ordinal) || HasOverlongWord(clean);
        // RFC 2047 section 2: lines holding encoded words are at most 76 characters, the name included.
        IEnumerable<string> pieces = needsEncoding ? EncodedWords.EncodeWords(clean, firstWordMax: 76 - name.Length - 2) : clean.Split(' ');
        Fold(sb, name, pieces);
    }

    /// <summary>Writes an address-list field.</summary>
    public static void WriteAddresses(StringBuilder sb, string name, IEnumerable<MailAddress> addresses, bool utf8)
    {
        var pieces = new List<string>();
        var list = addresses.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            bool last = i == list.Count - 1;
            if (list[i] is MailboxAddress m)
            {
                AddMailbox(pieces, m, utf8, last ? string.Empty : ",");
            }
            else if (list[i] is GroupAddress g)
            {
                AddPhrase(pieces, g.DisplayName ?? string.Empty, utf8);
                pieces[^1] += ":";
                for (int k = 0; k < g.Members.Count; k++)
                {
                    AddMailbox(pieces, g.Members[k], utf8, k == g.Members.Count - 1 ? string.Empty : ",");
                }

                pieces[^1] += last ? ";" : ";,";
            }
        }

        Fold(sb, name, pieces);
    }

    private static void AddMailbox(List<string> pieces, MailboxAddress m, bool utf8, string suffix)
    {
        string domain = utf8 ? m.Domain : m.AsciiDomain;
        string address = domain.Length == 0 ? MailboxAddress.QuoteLocalPart(m.LocalPart) : MailboxAddress.QuoteLocalPart(m.LocalPart) + "@" + domain;
        if (string.IsNullOrEmpty(m.DisplayName))
        {
            pieces.Add(address + suffix);
            return;
        }

        AddPhrase(pieces, m.DisplayName, utf8);
        pieces.Add("<" + address + ">" + suffix);
    }

    /// <summary>Adds a display name as atoms, a quoted string, or RFC 2047 words (RFC 2047 section 5 rule 3).</summary>
    private static void AddPhrase(List<string> pieces, string phrase, bool utf8)
    {
        if ((!utf8 && !Ascii.IsValid(phrase)) || phrase.Contains("=?", StringComparison.Ordinal) || HasOverlongWord(phrase))
        {
            // The first word may share the first line with a field name up to "Reply-To: ".
            pieces.AddRange(EncodedWords.EncodeWords(phrase, phrase: true, firstWordMax: 66));
            return;
        }

        bool atoms = phrase.Length > 0 && phrase.All(c => c > ' ' && c != 0x7F && !HeaderLexer.IsSpecial(c, mime: false) || c == ' ')
            && !phrase.Contains("  ", StringComparison.Ordinal) && phrase[0] != ' ' && phrase[^1] != ' ';
        if (atoms)
        {
            pieces.AddRange(phrase.Split(' '));
            return;
        }

        pieces.Add(Quote(phrase));
    }

    public static string Quote(string s)
    {
        var q = new StringBuilder(s.Length + 2).Append('"');
        foreach (char c in s)
        {
            if (c is '"' or '\\')
            {
                q.Append('\\');
            }

            if (c is not ('\r' or '\n'))
            {
                q.Append(c);
            }
        }

        return q.Append('"').ToString();
    }

    /// <summary>Writes a Content-Type or Content-Disposition with its parameters, RFC 2231-encoding non-ASCII or long values.</summary>
    public static void WriteWithParameters(StringBuilder sb, string name, string value, IEnumerable<(string Name, string Value)> parameters, bool utf8)
    {
        var pieces = new List<string> { value };
        foreach ((string pname, string pvalue) in parameters)
        {
            pieces[^1] += ";";
            bool ascii = Ascii.IsValid(pvalue) || utf8;
            if (ascii && pvalue.Length <= 60 && !pvalue.Contains('\r', StringComparison.Ordinal) && !pvalue.Contains('\n', StringComparison.Ordinal))
            {
                pieces.Add(pname + "=" + (IsToken(pvalue) ? pvalue : Quote(pvalue)));
                continue;
            }

            // RFC 2231 sections 3 and 4: charset'language'percent-encoded, split into numbered sections.
            string encoded = PercentEncode(pvalue);
            const int chunk = 60;
            if (encoded.Length <= chunk)
            {
                pieces.Add(pname + "*=utf-8''" + encoded);
                continue;
            }

            int index = 0;
            int pos = 0;
            while (pos < encoded.Length)
            {
                int len = Math.Min(chunk, encoded.Length - pos);
                // Never split a %XX escape.
                if (pos + len < encoded.Length)
                {
                    int pct = encoded.LastIndexOf('%', pos + len - 1, Math.Min(len, 3));
                    if (pct >= 0 && pct > pos + len - 3)
                    {
                        len = pct - pos;
                    }
                }

                string part = encoded.Substring(pos, len);
                pieces.Add(pname + "*" + index.ToString(CultureInfo.InvariantCulture) + "*=" + (index == 0 ? "utf-8''" : string.Empty) + part + ";");
                pos += len;
                index++;
            }

            pieces[^1] = pieces[^1][..^1];
        }

        Fold(sb, name, pieces);
    }

    private static string PercentEncode(string value)
    {
        var sb = new StringBuilder();
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            // RFC 2231 attribute-char: token characters except "*", "'" and "%".
            if (b > 0x20 && b < 0x7F && !HeaderLexer.IsSpecial((char)b, mime: true) && b is not ((byte)'*' or (byte)'\'' or (byte)'%'))
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    public static bool IsToken(string s) => s.Length > 0 && s.All(c => c > ' ' && c < 0x7F && !HeaderLexer.IsSpecial(c, mime: true));

    private static bool HasOverlongWord(string s)
    {
        int run = 0;
        foreach (char c in s)
        {
            run = c == ' ' ? 0 : run + 1;
            if (run > 900)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Joins pieces with single spaces, folding before a piece when the line would pass 78 characters.</summary>
    public static void Fold(StringBuilder sb, string name, IEnumerable<string> pieces)
    {
        sb.Append(name).Append(':');
        int lineLength = name.Length + 1;
        foreach (string piece in pieces)
        {
            if (lineLength + 1 + piece.Length > FoldAt && lineLength > name.Length + 1 && piece.Length > 0)
            {
                sb.Append("\r\n");
                lineLength = 0;
            }

            sb.Append(' ').Append(piece);
            lineLength += 1 + piece.Length;
        }

        sb.Append("\r\n");
    }
}
