using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HostedMail.Smtp.Protocol;

/// <summary>
/// RFC 5321 section 4.1.2 path grammar with the RFC 6531 section 3.3 UTF-8 extensions, over a
/// span that the command parser has already checked to be valid UTF-8 without control characters.
/// </summary>
internal static class SmtpPathParser
{
    internal enum PathError
    {
        None,
        Syntax,
        LocalPartTooLong,
        DomainTooLong,
        PathTooLong,
    }

    // RFC 5322 section 3.2.3 atext, which RFC 5321 section 4.1.2 borrows for Atom.
    private static ReadOnlySpan<byte> AtextSpecials => "!#$%&'*+-/=?^_`{|}~"u8;

    /// <summary>Parses a Path starting at '&lt;'. Returns the octets consumed including '&gt;', or -1 with <paramref name="error"/> set.</summary>
    public static int Parse(ReadOnlySpan<byte> s, bool allowNull, bool allowPostmaster, SmtpProtocolLimits limits, out SmtpPath path, out PathError error)
    {
        path = default;
        error = PathError.Syntax;
        if (s.IsEmpty || s[0] != '<')
        {
            return -1;
        }
        var i = 1;
        if (allowNull && i < s.Length && s[i] == '>')
        {
            path = new SmtpPath { Kind = SmtpPathKind.Null };
            error = PathError.None;
            return 2;
        }

        // A-d-l ":" — source route; RFC 5321 appendix C: accept, then ignore.
        var hadRoute = false;
        if (i < s.Length && s[i] == '@')
        {
            while (true)
            {
                i++; // '@'
                var n = ParseDomain(s[i..], out _);
                if (n <= 0)
                {
                    return -1;
                }
                i += n;
                if (i < s.Length && s[i] == ',')
                {
                    i++;
                    if (i >= s.Length || s[i] != '@')
                    {
                        return -1;
                    }
                    continue;
                }
                if (i < s.Length && s[i] == ':')
                {
                    i++;
                    break;
                }
                return -1;
            }
            hadRoute = true;
        }

        var localStart = i;
        string local;
        bool quoted;
        if (i < s.Length && s[i] == '"')
        {
            var n = ParseQuotedString(s[i..], out local);
            if (n <= 0)
            {
                return -1;
            }
            i += n;
            quoted = true;
        }
        else
        {
            var n = ParseDotString(s[i..]);
            if (n <= 0)
            {
                return -1;
            }
            local = Encoding.UTF8.GetString(s.Slice(i, n));
            i += n;
            quoted = false;
        }
        var localLength = i - localStart;

        if (i < s.Length && s[i] == '>' && allowPostmaster && !quoted && !hadRoute
            && local.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
        {
            path = new SmtpPath { Kind = SmtpPathKind.Postmaster, LocalPart = local };
            error = PathError.None;
            return i + 1;
        }

        if (i >= s.Length || s[i] != '@')
        {
            return -1;
        }
        i++;
        var domainStart = i;
        IPAddress? ip = null;
        bool literal;
        if (i < s.Length && s[i] == '[')
        {
            var n = ParseAddressLiteral(s[i..], out ip);
            if (n <= 0)
            {
                return -1;
            }
            i += n;
            literal = true;
        }
        else
        {
            var n = ParseDomain(s[i..], out _);
            if (n <= 0)
            {
                return -1;
            }
            i += n;
            literal = false;
        }
        var domain = s[domainStart..i];
        if (i >= s.Length || s[i] != '>')
        {
            return -1;
        }
        i++;

        if (localLength > limits.MaxLocalPartLength)
        {
            error = PathError.LocalPartTooLong;
            return -1;
        }
        if (domain.Length > limits.MaxDomainLength)
        {
            error = PathError.DomainTooLong;
            return -1;
        }
        if (i > limits.MaxPathLength)
        {
            error = PathError.PathTooLong;
            return -1;
        }

        path = new SmtpPath
        {
            Kind = SmtpPathKind.Mailbox,
            LocalPart = local,
            Domain = Encoding.UTF8.GetString(domain),
            AddressLiteral = ip,
            IsAddressLiteral = literal,
            IsQuotedLocalPart = quoted,
            HadSourceRoute = hadRoute,
            IsUtf8 = System.Text.Ascii.IsValid(s[localStart..i]) is false,
        };
        error = PathError.None;
        return i;
    }

    /// <summary>True when the whole span is a Domain or an address-literal (for EHLO/HELO).</summary>
    public static bool IsDomainOrAddressLiteral(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty)
        {
            return false;
        }
        return s[0] == '['
            ? ParseAddressLiteral(s, out _) == s.Length
            : ParseDomain(s, out _) == s.Length;
    }

    /// <summary>Dot-string = Atom *("." Atom); Atom = 1*atext (RFC 6531: atext =/ UTF8-non-ascii).</summary>
    private static int ParseDotString(ReadOnlySpan<byte> s)
    {
        var i = 0;
        while (true)
        {
            var start = i;
            while (i < s.Length && IsAtext(s[i]))
            {
                i++;
            }
            if (i == start)
            {
                return -1; // empty atom: leading, trailing or doubled dot
            }
            if (i < s.Length && s[i] == '.')
            {
                i++;
                continue;
            }
            return i;
        }
    }

    private static bool IsAtext(byte b) =>
        char.IsAsciiLetterOrDigit((char)b) || b >= 0x80 || AtextSpecials.Contains(b);

    /// <summary>Quoted-string = DQUOTE *QcontentSMTP DQUOTE; returns the unescaped content.</summary>
    private static int ParseQuotedString(ReadOnlySpan<byte> s, out string content)
    {
        content = string.Empty;
        var buffer = s.Length <= 256 ? stackalloc byte[s.Length] : new byte[s.Length];
        var n = 0;
        var i = 1;
        while (i < s.Length)
        {
            var b = s[i];
            if (b == '"')
            {
                content = Encoding.UTF8.GetString(buffer[..n]);
                return i + 1;
            }
            if (b == '\\')
            {
                // quoted-pairSMTP = %d92 %d32-126 (not extended by RFC 6531).
                if (i + 1 >= s.Length || s[i + 1] is < 32 or > 126)
                {
                    return -1;
                }
                buffer[n++] = s[i + 1];
                i += 2;
                continue;
            }
            // qtextSMTP = %d32-33 / %d35-91 / %d93-126, RFC 6531: =/ UTF8-non-ascii.
            if (b is >= 32 and <= 126 or >= 0x80)
            {
                buffer[n++] = b;
                i++;
                continue;
            }
            return -1;
        }
        return -1;
    }

    /// <summary>
    /// Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str] (RFC 5321), or a
    /// U-label (RFC 6531 section 3.3). U-labels are accepted as any run of letters, digits,
    /// hyphens and non-ASCII octets not starting or ending with a hyphen; IDNA validity is the
    /// session's business (it must normalise anyway).
    /// </summary>
    private static int ParseDomain(ReadOnlySpan<byte> s, out bool hasUtf8)
    {
        hasUtf8 = false;
        var i = 0;
        while (true)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiLetterOrDigit((char)s[i]) || s[i] == '-' || s[i] >= 0x80))
            {
                hasUtf8 |= s[i] >= 0x80;
                i++;
            }
            if (i == start || s[start] == '-' || s[i - 1] == '-' || i - start > 63)
            {
                return -1;
            }
            if (i + 1 < s.Length && s[i] == '.' && (char.IsAsciiLetterOrDigit((char)s[i + 1]) || s[i + 1] >= 0x80))
            {
                i++;
                continue;
            }
            return i;
        }
    }

    /// <summary>address-literal = "[" ( IPv4 / "IPv6:" IPv6 / General-address-literal ) "]".</summary>
    private static int ParseAddressLiteral(ReadOnlySpan<byte> s, out IPAddress? ip)
    {
        ip = null;
        var close = s.IndexOf((byte)']');
        if (s.IsEmpty || s[0] != '[' || close < 2)
        {
            return -1;
        }
        var inner = s[1..close];
        if (char.IsAsciiDigit((char)inner[0]))
        {
            if (!IsStrictIPv4(inner) || !IPAddress.TryParse(inner, out ip))
            {
                return -1;
            }
            return close + 1;
        }
        var colon = inner.IndexOf((byte)':');
        if (colon <= 0)
        {
            return -1;
        }
        var tag = inner[..colon];
        var rest = inner[(colon + 1)..];
        if (System.Text.Ascii.EqualsIgnoreCase(tag, "IPv6"u8))
        {
            foreach (var b in rest)
            {
                if (!char.IsAsciiHexDigit((char)b) && b is not (byte)':' and not (byte)'.')
                {
                    return -1;
                }
            }
            if (!IPAddress.TryParse(rest, out ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return -1;
            }
            return close + 1;
        }
        // General-address-literal = Standardized-tag ":" 1*dcontent; Standardized-tag = Ldh-str.
        if (ParseDomain(tag, out var utf8) != tag.Length || utf8 || rest.IsEmpty)
        {
            return -1;
        }
        foreach (var b in rest)
        {
            if (b is < 33 or > 126 or (byte)'[' or (byte)'\\' or (byte)']')
            {
                return -1;
            }
        }
        return close + 1;
    }

    // IPAddress.TryParse accepts "1", "0x7f.1" and other forms RFC 5321's Snum grammar does not.
    private static bool IsStrictIPv4(ReadOnlySpan<byte> s)
    {
        var groups = 0;
        var i = 0;
        while (true)
        {
            var start = i;
            var value = 0;
            while (i < s.Length && char.IsAsciiDigit((char)s[i]) && i - start < 3)
            {
                value = (value * 10) + (s[i] - '0');
                i++;
            }
            if (i == start || value > 255)
            {
                return false;
            }
            groups++;
            if (groups == 4)
            {
                return i == s.Length;
            }
            if (i >= s.Length || s[i] != '.')
            {
                return false;
            }
            i++;
        }
    }
}
