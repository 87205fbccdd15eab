using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HostedMail.MailAuth.Spf;

/// <summary>Values macros expand to during one check_host() evaluation (RFC 7208 section 7.2).</summary>
internal sealed class SpfMacroContext
{
    public required string Sender { get; init; }
    public required string LocalPart { get; init; }
    public required string SenderDomain { get; init; }
    public required string Domain { get; init; }
    public required IPAddress Ip { get; init; }
    public required string Helo { get; init; }
    public required string ReceivingHost { get; init; }
    public required long Timestamp { get; init; }
    public required Func<Task<string>> ValidatedName { get; init; }
}

/// <summary>Macro syntax checking and expansion (RFC 7208 section 7).</summary>
internal static class SpfMacro
{
    private const string Delimiters = ".-+,/_=";

    private readonly record struct Token(bool IsMacro, string Literal, char Letter, int Digits, bool Reverse, string Delimiters);

    /// <summary>macro-string = *( macro-expand / macro-literal ); c, r and t only in explanations (section 7.2).</summary>
    public static bool IsValidMacroString(string text, bool explanation) => TryTokenize(text, explanation, out _);

    /// <summary>True when the last token is a macro-expand, which section 7.1 accepts as a domain-end.</summary>
    public static bool EndsWithMacro(string text) => TryTokenize(text, false, out var tokens) && tokens.Count > 0 && tokens[^1].IsMacro;

    /// <summary>The literal text after the last macro, for the toplabel check of a domain-end.</summary>
    public static string TrailingLiteral(string text)
    {
        if (!TryTokenize(text, false, out var tokens))
        {
            return string.Empty;
        }

        var builder = new StringBuilder();
        for (var i = tokens.Count - 1; i >= 0 && !tokens[i].IsMacro; i--)
        {
            builder.Insert(0, tokens[i].Literal);
        }

        return builder.ToString();
    }

    private static bool TryTokenize(string text, bool explanation, out List<Token> tokens)
    {
        tokens = [];
        var i = 0;
        var literal = new StringBuilder();
        while (i < text.Length)
        {
            var c = text[i];
            if (c != '%')
            {
                // macro-literal = %x21-24 / %x26-7E; explanations may also carry spaces (section 6.2 "SP").
                if (c is < '!' or > '~' && !(explanation && c == ' '))
                {
                    return false;
                }

                literal.Append(c);
                i++;
                continue;
            }

            if (i + 1 >= text.Length)
            {
                return false;
            }

            var next = text[i + 1];
            if (next is '%' or '_' or '-')
            {
                literal.Append(next switch { '%' => "%", '_' => " ", _ => "%20" });
                i += 2;
                continue;
            }

            if (next != '{')
            {
                return false;
            }

            var close = text.IndexOf('}', i + 2);
            if (close < 0 || close == i + 2)
            {
                return false;
            }

            var body = text.AsSpan(i + 2, close - i - 2);
            var letter = char.ToLowerInvariant(body[0]);
            if (!"slodipvh".Contains(letter, StringComparison.Ordinal) && !(explanation && "crt".Contains(letter, StringComparison.Ordinal)))
            {
                return false;
            }

            var p = 1;
            var digitStart = p;
            while (p < body.Length && char.IsAsciiDigit(body[p]))
            {
                p++;
            }

            var digits = 0;
            if (p > digitStart)
            {
                // Section 7.3: a DIGIT transformer must be nonzero.
                if (!int.TryParse(body[digitStart..p], NumberStyles.None, CultureInfo.InvariantCulture, out digits) || digits == 0)
                {
                    return false;
                }
            }

            var reverse = false;
            if (p < body.Length && body[p] is 'r' or 'R')
            {
                reverse = true;
                p++;
            }

            var delimiters = body[p..].ToString();
            if (delimiters.Any(d => !Delimiters.Contains(d, StringComparison.Ordinal)))
            {
                return false;
            }

            if (literal.Length > 0)
            {
                tokens.Add(new Token(false, literal.ToString(), '\0', 0, false, string.Empty));
                literal.Clear();
            }

            tokens.Add(new Token(true, string.Empty, body[0], digits, reverse, delimiters.Length == 0 ? "." : delimiters));
            i = close + 1;
        }

        if (literal.Length > 0)
        {
            tokens.Add(new Token(false, literal.ToString(), '\0', 0, false, string.Empty));
        }

        return true;
    }

    /// <summary>Expands a macro-string; null when it is not valid.</summary>
    public static async Task<string?> ExpandAsync(string text, SpfMacroContext context, bool explanation)
    {
        if (!TryTokenize(text, explanation, out var tokens))
        {
            return null;
        }

        var builder = new StringBuilder();
        foreach (var token in tokens)
        {
            if (!token.IsMacro)
            {
                builder.Append(token.Literal);
                continue;
            }

            var value = char.ToLowerInvariant(token.Letter) switch
            {
                's' => context.Sender,
                'l' => context.LocalPart,
                'o' => context.SenderDomain,
                'd' => context.Domain,
                'i' => DottedIp(context.Ip),
                'p' => await context.ValidatedName().ConfigureAwait(false),
                'v' => context.Ip.AddressFamily == AddressFamily.InterNetwork ? "in-addr" : "ip6",
                'h' => context.Helo,
                'c' => context.Ip.ToString(),
                'r' => context.ReceivingHost,
                't' => context.Timestamp.ToString(CultureInfo.InvariantCulture),
                _ => string.Empty,
            };

            value = Transform(value, token);
            if (char.IsAsciiLetterUpper(token.Letter))
            {
                // Section 7.3: uppercase macros are URL-escaped; everything outside "unreserved" is escaped.
                value = Uri.EscapeDataString(value);
            }

            builder.Append(value);
        }

        return builder.ToString();
    }

    private static string Transform(string value, Token token)
    {
        if (token.Digits == 0 && !token.Reverse && token.Delimiters == ".")
        {
            return value;
        }

        var parts = value.Split(token.Delimiters.ToCharArray()).ToList();
        if (token.Reverse)
        {
            parts.Reverse();
        }

        if (token.Digits > 0 && token.Digits < parts.Count)
        {
            parts = parts.GetRange(parts.Count - token.Digits, token.Digits);
        }

        return string.Join('.', parts);
    }

    /// <summary>The "i" macro: dotted quad for IPv4, dot-separated nibbles for IPv6 (section 7.3).</summary>
    public static string DottedIp(IPAddress ip)
    {
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            return ip.ToString();
        }

        var bytes = ip.GetAddressBytes();
        var builder = new StringBuilder(63);
        foreach (var b in bytes)
        {
            if (builder.Length > 0)
            {
                builder.Append('.');
            }

            builder.Append("0123456789abcdef"[b >> 4]).Append('.').Append("0123456789abcdef"[b & 0xF]);
        }

        return builder.ToString();
    }
}
