using System.Text;

namespace HostedMail.Mime;

/// <summary>Kinds of tokens in RFC 5322 structured header bodies.</summary>
internal enum TokenKind
{
    Atom,
    Quoted,
    Special,
    DomainLiteral,
    Comment,
}

/// <summary>One lexical token with whether whitespace or a comment preceded it.</summary>
internal readonly record struct HeaderToken(TokenKind Kind, string Text, bool SpaceBefore, int Position)
{
    public bool IsSpecial(char c) => Kind == TokenKind.Special && Text.Length == 1 && Text[0] == c;

    public bool IsWord => Kind is TokenKind.Atom or TokenKind.Quoted;
}

/// <summary>Tokeniser for RFC 5322 section 3.2 lexical tokens (atoms, quoted strings, comments, domain literals, specials).</summary>
internal static class HeaderLexer
{
    /// <summary>
    /// RFC 5322 section 3.2.3 specials; with <paramref name="mime"/>, RFC 2045 section 5.1
    /// tspecials instead, which add '=' '/' '?' and drop '.' (so "vnd.ms-excel" is one token).
    /// </summary>
    public static bool IsSpecial(char c, bool mime) => c switch
    {
        '(' or ')' or '<' or '>' or '[' or ']' or ':' or ';' or '@' or '\\' or ',' or '"' => true,
        '.' => !mime,
        '=' or '/' or '?' => mime,
        _ => false,
    };

    public static List<HeaderToken> Tokenize(string s, bool mime = false, bool keepComments = false)
    {
        var tokens = new List<HeaderToken>();
        int i = 0;
        bool space = false;
        // Bounded by input length: every iteration consumes at least one character.
        while (i < s.Length)
        {
            char c = s[i];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                space = true;
                i++;
                continue;
            }

            if (c == '(')
            {
                string comment = ReadComment(s, ref i);
                if (keepComments)
                {
                    tokens.Add(new HeaderToken(TokenKind.Comment, comment, space, i));
                }

                space = true;
                continue;
            }

            int start = i;
            if (c == '"')
            {
                tokens.Add(new HeaderToken(TokenKind.Quoted, ReadQuoted(s, ref i), space, start));
            }
            else if (c == '[' && !mime)
            {
                int close = s.IndexOf(']', i + 1);
                int end = close < 0 ? s.Length : close + 1;
                tokens.Add(new HeaderToken(TokenKind.DomainLiteral, s[(i + 1)..(close < 0 ? s.Length : close)], space, start));
                i = end;
            }
            else if (IsSpecial(c, mime) || c < ' ' || c == 0x7F)
            {
                tokens.Add(new HeaderToken(TokenKind.Special, c.ToString(), space, start));
                i++;
            }
            else
            {
                while (i < s.Length && !IsSpecial(s[i], mime) && s[i] > ' ' && s[i] != 0x7F)
                {
                    i++;
                }

                tokens.Add(new HeaderToken(TokenKind.Atom, s[start..i], space, start));
            }

            space = false;
        }

        return tokens;
    }

    /// <summary>Reads a quoted string starting at the opening quote; an unterminated one runs to the end.</summary>
    public static string ReadQuoted(string s, ref int i)
    {
        var sb = new StringBuilder();
        i++;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == '\\' && i + 1 < s.Length)
            {
                sb.Append(s[i + 1]);
                i += 2;
                continue;
            }

            if (c == '"')
            {
                i++;
                return sb.ToString();
            }

            // RFC 5322 section 3.2.4: folding inside quoted strings is removed.
            if (c is not ('\r' or '\n'))
            {
                sb.Append(c);
            }

            i++;
        }

        return sb.ToString();
    }

    /// <summary>Reads a possibly nested comment (RFC 5322 section 3.2.2) starting at '('.</summary>
    public static string ReadComment(string s, ref int i)
    {
        var sb = new StringBuilder();
        int depth = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == '\\' && i + 1 < s.Length)
            {
                sb.Append(s[i + 1]);
                i += 2;
                continue;
            }

            if (c == '(')
            {
                if (depth > 0)
                {
                    sb.Append(c);
                }

                depth++;
            }
            else if (c == ')')
            {
                depth--;
                if (depth == 0)
                {
                    i++;
                    return sb.ToString();
                }

                sb.Append(c);
            }
            else
            {
                sb.Append(c);
            }

            i++;
        }

        return sb.ToString();
    }

    /// <summary>Removes comments and collapses whitespace outside quoted strings.</summary>
    public static string StripComments(string s)
    {
        if (!s.Contains('(', StringComparison.Ordinal))
        {
            return s;
        }

        var sb = new StringBuilder(s.Length);
        int i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == '"')
            {
                int start = i;
                ReadQuoted(s, ref i);
                sb.Append(s, start, i - start);
            }
            else if (c == '(')
            {
                ReadComment(s, ref i);
                sb.Append(' ');
            }
            else
            {
                sb.Append(c);
                i++;
            }
        }

        return sb.ToString();
    }
}
