using System.Text;

namespace HostedMail.Mime;

/// <summary>Parses RFC 5322 section 3.4 address lists leniently, including obsolete syntax (section 4.4) and RFC 6532 UTF-8.</summary>
public static class AddressParser
{
    /// <summary>Parses an address list; never throws, and skips what cannot be understood.</summary>
    public static IReadOnlyList<MailAddress> ParseList(string? text)
    {
        var result = new List<MailAddress>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return result;
        }

        List<HeaderToken> tokens = HeaderLexer.Tokenize(text, mime: false, keepComments: true);
        int i = 0;
        while (i < tokens.Count)
        {
            HeaderToken t = tokens[i];
            if (t.IsSpecial(',') || t.IsSpecial(';') || t.IsSpecial('>') || t.Kind == TokenKind.Comment && IsEndOfEntry(tokens, i + 1))
            {
                i++;
                continue;
            }

            int before = i;
            MailAddress? address = ParseAddress(tokens, ref i, allowGroup: true);
            if (address is not null)
            {
                result.Add(address);
            }

            if (i == before)
            {
                i++;
            }
        }

        return result;
    }

    private static bool IsEndOfEntry(List<HeaderToken> tokens, int i) => i >= tokens.Count || tokens[i].IsSpecial(',') || tokens[i].IsSpecial(';');

    private static MailAddress? ParseAddress(List<HeaderToken> tokens, ref int i, bool allowGroup)
    {
        var phrase = new List<HeaderToken>();
        string? comment = null;
        while (i < tokens.Count)
        {
            HeaderToken t = tokens[i];
            if (t.Kind == TokenKind.Comment)
            {
                comment ??= t.Text;
                i++;
                continue;
            }

            if (t.IsSpecial(',') || t.IsSpecial(';') || t.IsSpecial('<') || t.IsSpecial('@') || t.IsSpecial('>'))
            {
                break;
            }

            if (t.IsSpecial(':'))
            {
                if (allowGroup)
                {
                    break;
                }

                // A group inside a group is not allowed; treat the colon as noise.
                i++;
                continue;
            }

            phrase.Add(t);
            i++;
        }

        HeaderToken? next = i < tokens.Count ? tokens[i] : null;
        if (next is { } colon && colon.IsSpecial(':'))
        {
            i++;
            var members = new List<MailboxAddress>();
            while (i < tokens.Count && !tokens[i].IsSpecial(';'))
            {
                if (tokens[i].IsSpecial(',') || tokens[i].Kind == TokenKind.Comment || tokens[i].IsSpecial('>'))
                {
                    i++;
                    continue;
                }

                int before = i;
                if (ParseAddress(tokens, ref i, allowGroup: false) is MailboxAddress m)
                {
                    members.Add(m);
                }

                if (i == before)
                {
                    i++;
                }
            }

            if (i < tokens.Count)
            {
                i++;
            }

            (string? groupName, string? rawGroupName) = PhraseText(phrase);
            return new GroupAddress(groupName ?? string.Empty, members, rawGroupName ?? string.Empty);
        }

        if (next is { } open && open.IsSpecial('<'))
        {
            i++;
            MailboxAddress angle = ParseAngle(tokens, ref i, phrase, comment);
            return angle;
        }

        if (next is { } at && at.IsSpecial('@') && phrase.Count > 0)
        {
            int split = LocalPartStart(phrase);
            string local = JoinTight(phrase, split, phrase.Count);
            i++;
            // RFC 5322 section 3.4 (note): the legacy name is the comment *following* the
            // addr-spec, so a trailing comment wins over one before the local part.
            string? trailing = null;
            string domain = ParseDomain(tokens, ref i, ref trailing);
            comment = trailing ?? comment;
            if (i < tokens.Count && tokens[i].IsSpecial('<'))
            {
                // "user@example.com <user@example.com>": the first form is really a display name.
                i++;
                var all = new List<HeaderToken>(phrase)
                {
                    new(TokenKind.Atom, "@" + domain, false, 0),
                };
                return ParseAngle(tokens, ref i, all, comment);
            }

            (string? name, string? rawName) = split > 0 ? PhraseText(phrase.GetRange(0, split)) : (null, null);
            if (name is null && comment is not null && comment.Trim().Length > 0)
            {
                // Obsolete "addr (Full Name)" form: the comment is the only name there is.
                rawName = comment.Trim();
                name = EncodedWords.Decode(rawName);
            }

            return new MailboxAddress(name, local, domain, null, rawName);
        }

        if (phrase.Count > 0)
        {
            // A bare word: a local part without a domain (RFC 822 allowed these for local delivery).
            return new MailboxAddress(null, JoinTight(phrase, 0, phrase.Count), string.Empty);
        }

        return null;
    }

    private static MailboxAddress ParseAngle(List<HeaderToken> tokens, ref int i, List<HeaderToken> phrase, string? comment)
    {
        string? route = null;
        if (i < tokens.Count && tokens[i].IsSpecial('@'))
        {
            // RFC 5322 section 4.4 obs-route: "<@a,@b:user@host>"; kept but not used for delivery.
            var sb = new StringBuilder();
            while (i < tokens.Count && !tokens[i].IsSpecial(':') && !tokens[i].IsSpecial('>'))
            {
                sb.Append(tokens[i].Kind == TokenKind.DomainLiteral ? "[" + tokens[i].Text + "]" : tokens[i].Text);
                i++;
            }

            if (i < tokens.Count && tokens[i].IsSpecial(':'))
            {
                i++;
                route = sb.ToString();
            }
        }

        while (i < tokens.Count && tokens[i].IsSpecial('<'))
        {
            i++;
        }

        int localStart = i;
        while (i < tokens.Count && !tokens[i].IsSpecial('@') && !tokens[i].IsSpecial('>') && !tokens[i].IsSpecial(','))
        {
            i++;
        }

        var localTokens = tokens.GetRange(localStart, i - localStart).FindAll(t => t.Kind != TokenKind.Comment);
        string local = JoinTight(localTokens, 0, localTokens.Count);
        string domain = string.Empty;
        if (i < tokens.Count && tokens[i].IsSpecial('@'))
        {
            i++;
            string? ignored = null;
            domain = ParseDomain(tokens, ref i, ref ignored);
        }

        // Skip anything up to and including '>'.
        while (i < tokens.Count && !tokens[i].IsSpecial('>') && !tokens[i].IsSpecial(',') && !tokens[i].IsSpecial(';'))
        {
            i++;
        }

        if (i < tokens.Count && tokens[i].IsSpecial('>'))
        {
            i++;
        }

        // Trailing junk after '>' up to the next list separator belongs to this entry.
        while (i < tokens.Count && !tokens[i].IsSpecial(',') && !tokens[i].IsSpecial(';') && !tokens[i].IsSpecial('<'))
        {
            i++;
        }

        (string? name, string? rawName) = PhraseText(phrase);
        if (name is null && comment is not null && comment.Trim().Length > 0)
        {
            rawName = comment.Trim();
            name = EncodedWords.Decode(rawName);
        }

        return new MailboxAddress(name, local, domain, route, rawName);
    }

    private static string ParseDomain(List<HeaderToken> tokens, ref int i, ref string? comment)
    {
        var sb = new StringBuilder();
        while (i < tokens.Count)
        {
            HeaderToken t = tokens[i];
            if (t.Kind == TokenKind.Comment)
            {
                comment ??= t.Text;
                i++;
                continue;
            }

            bool continues = sb.Length == 0 || sb[^1] == '.' || t.IsSpecial('.');
            if (!continues)
            {
                break;
            }

            if (t.Kind == TokenKind.Atom || t.IsSpecial('.'))
            {
                sb.Append(t.Text);
            }
            else if (t.Kind == TokenKind.DomainLiteral)
            {
                sb.Append('[').Append(t.Text.Trim()).Append(']');
            }
            else
            {
                break;
            }

            i++;
        }

        return sb.ToString().TrimEnd('.');
    }

    // Where the local part starts when "Display Name local@domain" came without angle brackets.
    private static int LocalPartStart(List<HeaderToken> phrase)
    {
        int k = phrase.Count - 1;
        while (k > 0)
        {
            HeaderToken cur = phrase[k];
            HeaderToken prev = phrase[k - 1];
            if (cur.SpaceBefore && !cur.IsSpecial('.') && !prev.IsSpecial('.'))
            {
                break;
            }

            k--;
        }

        return k;
    }

    private static string JoinTight(List<HeaderToken> tokens, int from, int to)
    {
        var sb = new StringBuilder();
        for (int k = from; k < to; k++)
        {
            if (tokens[k].Kind != TokenKind.Comment)
            {
                sb.Append(tokens[k].Text);
            }
        }

        return sb.ToString();
    }

    private static (string? Decoded, string? Raw) PhraseText(List<HeaderToken> phrase)
    {
        var sb = new StringBuilder();
        foreach (HeaderToken t in phrase)
        {
            if (t.Kind == TokenKind.Comment)
            {
                continue;
            }

            // obs-phrase allows "." ("John Q. Public"); keep the original spacing.
            if (sb.Length > 0 && t.SpaceBefore)
            {
                sb.Append(' ');
            }

            sb.Append(t.Kind == TokenKind.DomainLiteral ? "[" + t.Text + "]" : t.Text);
        }

        string raw = sb.ToString().Trim();
        if (raw.Length == 0)
        {
            return (null, null);
        }

        return (EncodedWords.Decode(raw), raw);
    }
}
