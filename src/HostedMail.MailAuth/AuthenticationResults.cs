using System.Globalization;
using System.Text;
using HostedMail.MailAuth.Dkim;
using HostedMail.MailAuth.Dmarc;
using HostedMail.MailAuth.Spf;

namespace HostedMail.MailAuth;

/// <summary>An Authentication-Results header field value (RFC 8601 section 2.2).</summary>
/// <param name="AuthServId">The authentication service identifier, usually the receiving host name.</param>
/// <param name="Results">The method results; empty means "none".</param>
public sealed record AuthenticationResults(string AuthServId, IReadOnlyList<AuthenticationMethodResult> Results)
{
    /// <summary>The authres-version, when given.</summary>
    public int? Version { get; init; }
}

/// <summary>One resinfo: method, result keyword, optional reason and properties (RFC 8601 section 2.2).</summary>
/// <param name="Method">Method name, e.g. "spf", "dkim", "dmarc".</param>
/// <param name="Result">Result keyword, e.g. "pass".</param>
public sealed record AuthenticationMethodResult(string Method, string Result)
{
    /// <summary>The reason= text.</summary>
    public string? Reason { get; init; }

    /// <summary>ptype.property=value items, e.g. smtp.mailfrom or header.d.</summary>
    public IReadOnlyList<AuthenticationProperty> Properties { get; init; } = [];

    /// <summary>The value of the first property of this type and name, if any.</summary>
    public string? Property(string type, string name) =>
        Properties.FirstOrDefault(p => p.Type.Equals(type, StringComparison.OrdinalIgnoreCase) && p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))?.Value;
}

/// <summary>One propspec (RFC 8601 section 2.3): ptype "." property "=" value.</summary>
public sealed record AuthenticationProperty(string Type, string Name, string Value);

/// <summary>Writes and parses Authentication-Results header fields (RFC 8601), and maps SPF/DKIM/DMARC results to them.</summary>
public static class AuthenticationResultsHeader
{
    /// <summary>The field name.</summary>
    public const string FieldName = "Authentication-Results";

    /// <summary>The whole header field, "Authentication-Results: ...", folded one resinfo a line, CRLF-terminated.</summary>
    public static string Write(AuthenticationResults results)
    {
        var builder = new StringBuilder(FieldName).Append(": ").Append(Value(results.AuthServId));
        if (results.Version is { } version)
        {
            builder.Append(' ').Append(version.ToString(CultureInfo.InvariantCulture));
        }

        if (results.Results.Count == 0)
        {
            return builder.Append("; none\r\n").ToString();
        }

        foreach (var result in results.Results)
        {
            builder.Append(";\r\n\t").Append(result.Method).Append('=').Append(result.Result);
            if (result.Reason is not null)
            {
                builder.Append(" reason=").Append(Quote(result.Reason));
            }

            foreach (var property in result.Properties)
            {
                builder.Append(' ').Append(property.Type).Append('.').Append(property.Name).Append('=').Append(PropertyValue(property.Value));
            }
        }

        return builder.Append("\r\n").ToString();
    }

    /// <summary>Convenience: writes the field for the given results under <paramref name="authServId"/>.</summary>
    public static string Write(string authServId, params AuthenticationMethodResult[] results) =>
        Write(new AuthenticationResults(authServId, results));

    /// <summary>spf=... with smtp.mailfrom (or smtp.helo for a null sender), per RFC 8601 section 2.7.2.</summary>
    public static AuthenticationMethodResult FromSpf(SpfResult spf, string mailFrom, string helo) => new("spf", spf.Status.ToKeyword())
    {
        Reason = spf.Reason.Length > 0 ? spf.Reason : null,
        Properties = string.IsNullOrEmpty(mailFrom) ? [new("smtp", "helo", helo)] : [new("smtp", "mailfrom", mailFrom)],
    };

    /// <summary>dkim=... with header.d, header.s, header.i and header.b (the first 8 characters, RFC 6008).</summary>
    public static AuthenticationMethodResult FromDkim(DkimResult dkim)
    {
        var properties = new List<AuthenticationProperty>();
        if (dkim.Domain.Length > 0)
        {
            properties.Add(new("header", "d", dkim.Domain));
        }

        if (dkim.Identity.Length > 0)
        {
            properties.Add(new("header", "i", dkim.Identity));
        }

        if (dkim.Selector.Length > 0)
        {
            properties.Add(new("header", "s", dkim.Selector));
        }

        if (dkim.Algorithm.Length > 0)
        {
            properties.Add(new("header", "a", dkim.Algorithm));
        }

        if (dkim.SignatureData.Length > 0)
        {
            properties.Add(new("header", "b", dkim.SignatureData[..Math.Min(8, dkim.SignatureData.Length)]));
        }

        return new("dkim", dkim.Status.ToKeyword()) { Reason = dkim.Reason.Length > 0 ? dkim.Reason : null, Properties = properties };
    }

    /// <summary>dmarc=... with header.from and the policy applied (policy.dmarc is a common extension).</summary>
    public static AuthenticationMethodResult FromDmarc(DmarcResult dmarc) => new("dmarc", dmarc.Status.ToKeyword())
    {
        Reason = dmarc.Reason.Length > 0 ? dmarc.Reason : null,
        Properties = dmarc.Record is null
            ? [new("header", "from", dmarc.FromDomain)]
            : [new("header", "from", dmarc.FromDomain), new("policy", "dmarc", dmarc.Disposition.ToString().ToLowerInvariant())],
    };

    /// <summary>Parses a field value (without "Authentication-Results:"); false when it does not follow RFC 8601 section 2.2.</summary>
    public static bool TryParse(string value, out AuthenticationResults results)
    {
        results = new AuthenticationResults(string.Empty, []);
        if (value.StartsWith(FieldName + ":", StringComparison.OrdinalIgnoreCase))
        {
            value = value[(FieldName.Length + 1)..];
        }

        if (!TryLex(value, out var tokens) || tokens.Count == 0 || tokens[0].Kind is not (Kind.Word or Kind.Quoted))
        {
            return false;
        }

        var i = 1;
        int? version = null;
        if (i < tokens.Count && tokens[i].Kind == Kind.Word && int.TryParse(tokens[i].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
        {
            version = v;
            i++;
        }

        var list = new List<AuthenticationMethodResult>();
        while (i < tokens.Count)
        {
            if (tokens[i].Kind != Kind.Semicolon || i + 1 >= tokens.Count || tokens[i + 1].Kind != Kind.Word)
            {
                return false;
            }

            var method = tokens[i + 1].Text;
            i += 2;
            if (method.Equals("none", StringComparison.OrdinalIgnoreCase) && (i >= tokens.Count || tokens[i].Kind != Kind.Equals))
            {
                continue;
            }

            if (i + 1 >= tokens.Count || tokens[i].Kind != Kind.Equals || tokens[i + 1].Kind != Kind.Word)
            {
                return false;
            }

            var result = new AuthenticationMethodResult(method.Split('/')[0].Trim(), tokens[i + 1].Text);
            i += 2;
            var properties = new List<AuthenticationProperty>();
            while (i < tokens.Count && tokens[i].Kind == Kind.Word)
            {
                if (i + 2 >= tokens.Count || tokens[i + 1].Kind != Kind.Equals || tokens[i + 2].Kind is not (Kind.Word or Kind.Quoted))
                {
                    return false;
                }

                var name = tokens[i].Text;
                var propertyValue = tokens[i + 2].Text;
                if (name.Equals("reason", StringComparison.OrdinalIgnoreCase))
                {
                    result = result with { Reason = propertyValue };
                }
                else
                {
                    var dot = name.IndexOf('.', StringComparison.Ordinal);
                    if (dot <= 0)
                    {
                        return false;
                    }

                    properties.Add(new AuthenticationProperty(name[..dot], name[(dot + 1)..], propertyValue));
                }

                i += 3;
            }

            list.Add(result with { Properties = properties });
        }

        results = new AuthenticationResults(tokens[0].Text, list) { Version = version };
        return true;
    }

    private enum Kind
    {
        Word,
        Quoted,
        Equals,
        Semicolon,
    }

    private readonly record struct Token(Kind Kind, string Text);

    /// <summary>Splits into words, quoted-strings, "=" and ";", dropping CFWS and nested comments (RFC 5322 section 3.2.2).</summary>
    private static bool TryLex(string text, out List<Token> tokens)
    {
        tokens = [];
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                i++;
            }
            else if (c == '(')
            {
                var depth = 0;
                do
                {
                    if (text[i] == '\\')
                    {
                        i++;
                    }
                    else if (text[i] == '(')
                    {
                        depth++;
                    }
                    else if (text[i] == ')')
                    {
                        depth--;
                    }

                    i++;
                }
                while (depth > 0 && i < text.Length);
                if (depth > 0)
                {
                    return false;
                }
            }
            else if (c == '"')
            {
                var builder = new StringBuilder();
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    builder.Append(text[i++]);
                }

                if (i >= text.Length)
                {
                    return false;
                }

                i++;
                tokens.Add(new Token(Kind.Quoted, builder.ToString()));
            }
            else if (c == '=')
            {
                tokens.Add(new Token(Kind.Equals, "="));
                i++;
            }
            else if (c == ';')
            {
                tokens.Add(new Token(Kind.Semicolon, ";"));
                i++;
            }
            else
            {
                var start = i;
                while (i < text.Length && text[i] is not (' ' or '\t' or '\r' or '\n' or '(' or '"' or '=' or ';'))
                {
                    i++;
                }

                tokens.Add(new Token(Kind.Word, text[start..i]));
            }
        }

        return true;
    }

    // RFC 2045 token: no SPACE, CTLs or tspecials; otherwise a quoted-string.
    private static bool IsToken(string value) =>
        value.Length > 0 && value.All(c => c is > ' ' and < '\x7f' && "()<>@,;:\\\"/[]?=".IndexOf(c, StringComparison.Ordinal) < 0);

    private static string Value(string value) => IsToken(value) ? value : Quote(value);

    // pvalue may also be [local-part "@"] domain-name without quoting (RFC 8601 section 2.2).
    private static string PropertyValue(string value) =>
        IsToken(value.Replace("@", string.Empty, StringComparison.Ordinal).Replace("/", string.Empty, StringComparison.Ordinal)) && value.Count(c => c == '@') <= 1 && !value.Contains('/', StringComparison.Ordinal)
            ? value
            : Quote(value);

    private static string Quote(string value)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c is '\r' or '\n' ? ' ' : c);
        }

        return builder.Append('"').ToString();
    }
}
