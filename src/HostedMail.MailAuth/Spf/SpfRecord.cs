using System.Globalization;
using System.Net;

namespace HostedMail.MailAuth.Spf;

internal enum SpfMechanismKind
{
    All,
    Include,
    A,
    Mx,
    Ptr,
    Ip4,
    Ip6,
    Exists,
}

/// <summary>One directive: qualifier, mechanism and its arguments (RFC 7208 section 4.6.1).</summary>
internal sealed record SpfDirective(AuthStatus Qualifier, SpfMechanismKind Kind, string? DomainSpec, IPAddress? Network, int Cidr4, int Cidr6, string Text);

/// <summary>A parsed SPF record: directives in order and the two modifiers RFC 7208 defines.</summary>
internal sealed record SpfRecord(IReadOnlyList<SpfDirective> Directives, string? Redirect, string? Explanation);

/// <summary>Parses "v=spf1" records strictly: any syntax error anywhere makes the record a permerror (RFC 7208 section 4.6).</summary>
internal static class SpfRecordParser
{
    /// <summary>True when the text is an SPF version 1 record (RFC 7208 section 4.5): "v=spf1" then a space or the end.</summary>
    public static bool IsSpfRecord(string text) =>
        text.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (text.Length == 6 || text[6] == ' ');

    public static bool TryParse(string text, out SpfRecord record, out string error)
    {
        record = new SpfRecord([], null, null);
        if (!IsSpfRecord(text))
        {
            // Callers select records with IsSpfRecord first; a parser still never throws on its input.
            error = "not an SPF version 1 record";
            return false;
        }

        var directives = new List<SpfDirective>();
        string? redirect = null;
        string? explanation = null;
        foreach (var term in text[6..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!TryParseTerm(term, directives, ref redirect, ref explanation, out error))
            {
                return false;
            }
        }

        record = new SpfRecord(directives, redirect, explanation);
        error = string.Empty;
        return true;
    }

    private static bool TryParseTerm(string term, List<SpfDirective> directives, ref string? redirect, ref string? explanation, out string error)
    {
        error = $"invalid term '{term}'";
        foreach (var c in term)
        {
            // Record text is US-ASCII visible characters (RFC 7208 section 12 ABNF: VCHAR).
            if (c is < '!' or > '~')
            {
                error = "non-ASCII or control character in record";
                return false;
            }
        }

        // Modifier: name "=" macro-string, with name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) (section 6).
        var eq = term.IndexOf('=');
        var colon = term.IndexOf(':');
        var slash = term.IndexOf('/');
        if (eq > 0 && (colon < 0 || eq < colon) && (slash < 0 || eq < slash))
        {
            var name = term[..eq];
            var value = term[(eq + 1)..];
            if (!char.IsAsciiLetter(name[0]) || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.'))
            {
                return false;
            }

            if (name.Equals("redirect", StringComparison.OrdinalIgnoreCase) || name.Equals("exp", StringComparison.OrdinalIgnoreCase))
            {
                if (!IsValidDomainSpec(value))
                {
                    error = $"invalid domain-spec in {name}=";
                    return false;
                }

                ref var slot = ref name.Length == 3 ? ref explanation : ref redirect;
                if (slot is not null)
                {
                    // Section 6: these modifiers MUST NOT appear more than once.
                    error = $"duplicate {name}= modifier";
                    return false;
                }

                slot = value;
                return true;
            }

            // Unknown modifiers are ignored but must still be well-formed (section 6).
            return SpfMacro.IsValidMacroString(value, explanation: false);
        }

        var qualifier = AuthStatus.Pass;
        var body = term;
        switch (term[0])
        {
            case '+': qualifier = AuthStatus.Pass; body = term[1..]; break;
            case '-': qualifier = AuthStatus.Fail; body = term[1..]; break;
            case '~': qualifier = AuthStatus.SoftFail; body = term[1..]; break;
            case '?': qualifier = AuthStatus.Neutral; body = term[1..]; break;
        }

        var nameEnd = body.IndexOfAny([':', '/']);
        var mechanism = (nameEnd < 0 ? body : body[..nameEnd]).ToLowerInvariant();
        var rest = nameEnd < 0 ? string.Empty : body[nameEnd..];
        switch (mechanism)
        {
            case "all" when rest.Length == 0:
                directives.Add(new SpfDirective(qualifier, SpfMechanismKind.All, null, null, 32, 128, term));
                return true;
            case "include" or "exists":
                if (!rest.StartsWith(':') || !IsValidDomainSpec(rest[1..]))
                {
                    return false;
                }

                directives.Add(new SpfDirective(qualifier, mechanism == "include" ? SpfMechanismKind.Include : SpfMechanismKind.Exists, rest[1..], null, 32, 128, term));
                return true;
            case "a" or "mx":
            {
                if (!TrySplitDualCidr(rest, out var spec, out var cidr4, out var cidr6))
                {
                    return false;
                }

                if (spec is not null && (!spec.StartsWith(':') || !IsValidDomainSpec(spec[1..])))
                {
                    return false;
                }

                directives.Add(new SpfDirective(qualifier, mechanism == "a" ? SpfMechanismKind.A : SpfMechanismKind.Mx, spec?[1..], null, cidr4, cidr6, term));
                return true;
            }

            case "ptr":
                if (rest.Length > 0 && (!rest.StartsWith(':') || !IsValidDomainSpec(rest[1..])))
                {
                    return false;
                }

                directives.Add(new SpfDirective(qualifier, SpfMechanismKind.Ptr, rest.Length > 0 ? rest[1..] : null, null, 32, 128, term));
                return true;
            case "ip4" or "ip6":
                return TryParseIp(qualifier, mechanism == "ip4", rest, term, directives);
            default:
                error = $"unknown mechanism '{mechanism}'";
                return false;
        }
    }

    private static bool TryParseIp(AuthStatus qualifier, bool v4, string rest, string term, List<SpfDirective> directives)
    {
        if (!rest.StartsWith(':'))
        {
            return false;
        }

        var value = rest[1..];
        var max = v4 ? 32 : 128;
        var prefix = max;
        var slash = value.IndexOf('/');
        if (slash >= 0)
        {
            if (!TryParseCidr(value[(slash + 1)..], max, out prefix))
            {
                return false;
            }

            value = value[..slash];
        }

        if (v4)
        {
            // ip4-network is a strict dotted quad (section 5.6); IPAddress.Parse would accept "1.2" or hex.
            var parts = value.Split('.');
            if (parts.Length != 4 || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit) || int.Parse(p, CultureInfo.InvariantCulture) > 255))
            {
                return false;
            }
        }

        if (!IPAddress.TryParse(value, out var address)
            || address.AddressFamily != (v4 ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6)
            || value.Contains('%', StringComparison.Ordinal))
        {
            return false;
        }

        directives.Add(new SpfDirective(qualifier, v4 ? SpfMechanismKind.Ip4 : SpfMechanismKind.Ip6, null, address, prefix, prefix, term));
        return true;
    }

    /// <summary>Splits "[:domain-spec][/cidr4][//cidr6]" (section 5.3, 5.4).</summary>
    private static bool TrySplitDualCidr(string rest, out string? spec, out int cidr4, out int cidr6)
    {
        cidr4 = 32;
        cidr6 = 128;
        spec = null;
        var doubleSlash = rest.LastIndexOf("//", StringComparison.Ordinal);
        if (doubleSlash >= 0)
        {
            if (!TryParseCidr(rest[(doubleSlash + 2)..], 128, out cidr6))
            {
                return false;
            }

            rest = rest[..doubleSlash];
        }

        var slash = rest.LastIndexOf('/');
        if (slash >= 0 && rest[(slash + 1)..].All(char.IsAsciiDigit))
        {
            if (!TryParseCidr(rest[(slash + 1)..], 32, out cidr4))
            {
                return false;
            }

            rest = rest[..slash];
        }

        spec = rest.Length == 0 ? null : rest;
        return true;
    }

    private static bool TryParseCidr(string text, int max, out int value)
    {
        value = 0;
        // ABNF: "0" / %x31-39 0*1DIGIT (0*2 for IPv6): no leading zeros.
        return text.Length is > 0 and <= 3 && text.All(char.IsAsciiDigit) && (text.Length == 1 || text[0] != '0')
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= max;
    }

    /// <summary>domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand (section 7.1).</summary>
    public static bool IsValidDomainSpec(string spec)
    {
        if (spec.Length == 0 || !SpfMacro.IsValidMacroString(spec, explanation: false))
        {
            return false;
        }

        if (SpfMacro.EndsWithMacro(spec))
        {
            return true;
        }

        var literal = SpfMacro.TrailingLiteral(spec);
        var trimmed = literal.EndsWith('.') ? literal[..^1] : literal;
        var dot = trimmed.LastIndexOf('.');
        if (dot < 0)
        {
            return false;
        }

        var top = trimmed[(dot + 1)..];
        // toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ).
        return top.Length > 0
            && top.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '-')
            && char.IsAsciiLetterOrDigit(top[0]) && char.IsAsciiLetterOrDigit(top[^1])
            && (top.Any(char.IsAsciiLetter) || top.Contains('-', StringComparison.Ordinal));
    }
}
