namespace HostedMail.Mime;

/// <summary>A parsed Content-Type header (RFC 2045 section 5), defaulting to text/plain; charset=us-ascii.</summary>
public sealed class ContentType
{
    /// <summary>Creates a content type from its parts.</summary>
    public ContentType(string mediaType, string mediaSubtype, ParameterList? parameters = null)
    {
        MediaType = mediaType;
        MediaSubtype = mediaSubtype;
        Parameters = parameters ?? ParameterList.Empty;
    }

    /// <summary>The RFC 2045 section 5.2 default for entities without a (valid) Content-Type.</summary>
    public static ContentType Default { get; } = new("text", "plain", new ParameterList([new MimeParameter("charset", "us-ascii")]));

    /// <summary>The RFC 2046 section 5.1.5 default inside multipart/digest.</summary>
    public static ContentType DigestDefault { get; } = new("message", "rfc822");

    /// <summary>The top-level type as written, e.g. "text".</summary>
    public string MediaType { get; }

    /// <summary>The subtype as written, e.g. "plain".</summary>
    public string MediaSubtype { get; }

    /// <summary>The parameters, RFC 2231-decoded.</summary>
    public ParameterList Parameters { get; }

    /// <summary>"type/subtype" in lower case.</summary>
    public string MimeType => field ??= (MediaType + "/" + MediaSubtype).ToLowerInvariant();

    /// <summary>The charset parameter, or null.</summary>
    public string? Charset => Parameters["charset"];

    /// <summary>The boundary parameter, or null.</summary>
    public string? Boundary => Parameters["boundary"];

    /// <summary>The name parameter (an obsolete file name), or null.</summary>
    public string? Name => Parameters["name"];

    /// <summary>True when the type is multipart/*.</summary>
    public bool IsMultipart => MediaType.Equals("multipart", StringComparison.OrdinalIgnoreCase);

    /// <summary>True for message/rfc822 and message/global (RFC 6532 section 3.7), whose body is a whole message.</summary>
    public bool IsMessage => MediaType.Equals("message", StringComparison.OrdinalIgnoreCase)
        && (MediaSubtype.Equals("rfc822", StringComparison.OrdinalIgnoreCase) || MediaSubtype.Equals("global", StringComparison.OrdinalIgnoreCase));

    /// <summary>True when the type is text/*.</summary>
    public bool IsText => MediaType.Equals("text", StringComparison.OrdinalIgnoreCase);

    /// <summary>Compares type and subtype case-insensitively.</summary>
    public bool Is(string mediaType, string mediaSubtype) =>
        MediaType.Equals(mediaType, StringComparison.OrdinalIgnoreCase) && MediaSubtype.Equals(mediaSubtype, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a Content-Type value; unparseable values give text/plain as RFC 2045 section 5.2 requires.</summary>
    public static ContentType Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return Default;
        }

        int semi = value.IndexOf(';', StringComparison.Ordinal);
        string head = HeaderLexer.StripComments(semi < 0 ? value : value[..semi]).Trim().Trim('"').Trim();
        int slash = head.IndexOf('/', StringComparison.Ordinal);
        string type;
        string subtype;
        if (slash < 0)
        {
            // "Content-Type: text" is seen in the wild; treat a lone "text" as text/plain.
            if (!head.Equals("text", StringComparison.OrdinalIgnoreCase))
            {
                return Default;
            }

            type = head;
            subtype = "plain";
        }
        else
        {
            type = head[..slash].Trim();
            subtype = head[(slash + 1)..].Trim();
        }

        if (!IsToken(type) || !IsToken(subtype))
        {
            return Default;
        }

        ParameterList parameters = semi < 0 ? ParameterList.Empty : ParameterList.Parse(value, semi);
        return new ContentType(type, subtype, parameters);
    }

    private static bool IsToken(string s)
    {
        if (s.Length == 0)
        {
            return false;
        }

        foreach (char c in s)
        {
            if (c <= ' ' || c >= 0x7F || HeaderLexer.IsSpecial(c, mime: true))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => MimeType;
}

/// <summary>A parsed Content-Disposition header (RFC 2183).</summary>
public sealed class ContentDisposition
{
    /// <summary>Creates a disposition.</summary>
    public ContentDisposition(string disposition, ParameterList? parameters = null)
    {
        Disposition = disposition;
        Parameters = parameters ?? ParameterList.Empty;
    }

    /// <summary>The disposition type as written, e.g. "attachment".</summary>
    public string Disposition { get; }

    /// <summary>The parameters, RFC 2231-decoded.</summary>
    public ParameterList Parameters { get; }

    /// <summary>The filename parameter, or null.</summary>
    public string? FileName => Parameters["filename"];

    /// <summary>True for "attachment".</summary>
    public bool IsAttachment => Disposition.Equals("attachment", StringComparison.OrdinalIgnoreCase);

    /// <summary>True for "inline".</summary>
    public bool IsInline => Disposition.Equals("inline", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a Content-Disposition value, or returns null when it has no disposition type.</summary>
    public static ContentDisposition? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        int semi = value.IndexOf(';', StringComparison.Ordinal);
        string head = HeaderLexer.StripComments(semi < 0 ? value : value[..semi]).Trim().Trim('"');
        if (head.Length == 0 || head.Contains('=', StringComparison.Ordinal))
        {
            // "Content-Disposition: filename=x" without a type: assume attachment (RFC 2183 section 2.8).
            if (head.Contains('=', StringComparison.Ordinal))
            {
                return new ContentDisposition("attachment", ParameterList.Parse(";" + value, 0));
            }

            return null;
        }

        return new ContentDisposition(head, semi < 0 ? ParameterList.Empty : ParameterList.Parse(value, semi));
    }
}
