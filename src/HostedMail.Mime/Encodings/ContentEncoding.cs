namespace HostedMail.Mime;

/// <summary>A Content-Transfer-Encoding as defined by RFC 2045 section 6.</summary>
public enum ContentEncoding
{
    /// <summary>No header, or 7bit (RFC 2045 section 6.1 default).</summary>
    SevenBit,

    /// <summary>8bit: unencoded 8-bit text in lines of at most 998 octets.</summary>
    EightBit,

    /// <summary>binary: arbitrary octets.</summary>
    Binary,

    /// <summary>base64 (RFC 2045 section 6.8).</summary>
    Base64,

    /// <summary>quoted-printable (RFC 2045 section 6.7).</summary>
    QuotedPrintable,

    /// <summary>x-uuencode and similar: kept undecoded.</summary>
    UuEncode,

    /// <summary>Any other token; the body is returned undecoded.</summary>
    Unknown,
}

/// <summary>Parses Content-Transfer-Encoding values.</summary>
internal static class ContentEncodings
{
    public static ContentEncoding Parse(string? value)
    {
        if (value is null)
        {
            return ContentEncoding.SevenBit;
        }

        ReadOnlySpan<char> v = value.AsSpan().Trim();
        int sc = v.IndexOfAny(";( ");
        if (sc >= 0)
        {
            v = v[..sc];
        }

        v = v.Trim().Trim('"');
        if (v.IsEmpty || v.Equals("7bit", StringComparison.OrdinalIgnoreCase))
        {
            return ContentEncoding.SevenBit;
        }

        if (v.Equals("base64", StringComparison.OrdinalIgnoreCase))
        {
            return ContentEncoding.Base64;
        }

        if (v.Equals("quoted-printable", StringComparison.OrdinalIgnoreCase))
        {
            return ContentEncoding.QuotedPrintable;
        }

        if (v.Equals("8bit", StringComparison.OrdinalIgnoreCase))
        {
            return ContentEncoding.EightBit;
        }

        if (v.Equals("binary", StringComparison.OrdinalIgnoreCase))
        {
            return ContentEncoding.Binary;
        }

        if (v.Equals("x-uuencode", StringComparison.OrdinalIgnoreCase) || v.Equals("uuencode", StringComparison.OrdinalIgnoreCase))
        {
            return ContentEncoding.UuEncode;
        }

        return ContentEncoding.Unknown;
    }
}
