namespace HostedMail.Mime;

/// <summary>Parses msg-id lists of Message-ID, In-Reply-To and References (RFC 5322 section 3.6.4).</summary>
public static class MessageIds
{
    /// <summary>Returns the ids without angle brackets, in order; ids without brackets (obsolete or broken) are recovered when they contain '@'.</summary>
    public static IReadOnlyList<string> ParseList(string? value)
    {
        var ids = new List<string>();
        if (string.IsNullOrWhiteSpace(value))
        {
            return ids;
        }

        string s = HeaderLexer.StripComments(value);
        int i = 0;
        bool sawBracket = false;
        while (i < s.Length)
        {
            int open = s.IndexOf('<', i);
            if (open < 0)
            {
                break;
            }

            int close = s.IndexOf('>', open + 1);
            if (close < 0)
            {
                break;
            }

            sawBracket = true;
            string id = RemoveWhitespace(s[(open + 1)..close]);
            if (id.Length > 0)
            {
                ids.Add(id);
            }

            i = close + 1;
        }

        if (!sawBracket)
        {
            foreach (string token in s.Split([' ', '\t', '\r', '\n', ','], StringSplitOptions.RemoveEmptyEntries))
            {
                if (token.Contains('@', StringComparison.Ordinal))
                {
                    ids.Add(token.Trim('"'));
                }
            }
        }

        return ids;
    }

    /// <summary>Returns the first id of the value, or null.</summary>
    public static string? ParseOne(string? value)
    {
        IReadOnlyList<string> ids = ParseList(value);
        return ids.Count > 0 ? ids[0] : null;
    }

    private static string RemoveWhitespace(string s)
    {
        // obs-id-left allows CFWS between the parts of the id.
        return s.Contains(' ', StringComparison.Ordinal) || s.Contains('\t', StringComparison.Ordinal) || s.Contains('\n', StringComparison.Ordinal)
            ? string.Concat(s.Where(c => c is not (' ' or '\t' or '\r' or '\n')))
            : s;
    }
}
