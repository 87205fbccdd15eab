namespace HostedMail.Smtp.Protocol;

/// <summary>Grammar limits the pure parsers enforce. The SMTP server options carry one instance; tests build their own.</summary>
public sealed record SmtpProtocolLimits
{
    /// <summary>The defaults described on each property.</summary>
    public static SmtpProtocolLimits Default { get; } = new();

    /// <summary>Longest command line including CRLF. RFC 5321 section 4.5.3.1.4: 512 octets.</summary>
    public int MaxCommandLineLength { get; init; } = 512;

    /// <summary>
    /// Longest MAIL/RCPT line including CRLF. RFC 5321 section 4.5.3.1.4 and RFC 1869 let service
    /// extensions raise the 512 limit by the length of their parameters; ORCPT alone may be 500
    /// octets (RFC 3461 section 4.2), ENVID 100. 2048 is what Postfix accepts (line_length_limit).
    /// </summary>
    public int MaxParameterizedLineLength { get; init; } = 2048;

    /// <summary>Longest AUTH command or SASL response line including CRLF. RFC 4954 section 4: at least 12288 octets.</summary>
    public int MaxAuthLineLength { get; init; } = 12288;

    /// <summary>RFC 5321 section 4.5.3.1.1: 64 octets.</summary>
    public int MaxLocalPartLength { get; init; } = 64;

    /// <summary>RFC 5321 section 4.5.3.1.2: 255 octets.</summary>
    public int MaxDomainLength { get; init; } = 255;

    /// <summary>RFC 5321 section 4.5.3.1.3: 256 octets including the angle brackets.</summary>
    public int MaxPathLength { get; init; } = 256;
}
