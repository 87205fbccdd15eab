using System.Net;

namespace HostedMail.Smtp.Protocol;

/// <summary>The command verbs <see cref="SmtpCommandParser"/> recognises.</summary>
public enum SmtpVerb
{
    /// <summary>Not a command (default value).</summary>
    None,
    /// <summary>A verb the server does not know: 500 5.5.1.</summary>
    Unknown,
    /// <summary>An HTTP request line sent to the SMTP port (cross-protocol attack); the session should close.</summary>
    HttpRequest,
    /// <summary>RFC 5321 verbs the server knows but does not implement (SEND, SOML, SAML, TURN, ETRN, ATRN): 502.</summary>
    NotImplemented,
    Ehlo,
    Helo,
    Mail,
    Rcpt,
    Data,
    Bdat,
    Rset,
    Noop,
    Quit,
    Vrfy,
    Expn,
    Help,
    StartTls,
    Auth,
}

/// <summary>One parsed SMTP command. Only the fields of its verb are set; verbs without arguments allocate nothing.</summary>
public readonly record struct SmtpCommand
{
    /// <summary>The verb.</summary>
    public SmtpVerb Verb { get; init; }

    /// <summary>EHLO/HELO domain or address literal, VRFY/EXPN/HELP/NOOP string, or the upper-cased AUTH mechanism name.</summary>
    public string? Argument { get; init; }

    /// <summary>For EHLO/HELO: whether <see cref="Argument"/> is a syntactically valid Domain or address-literal (RFC 5321 section 4.1.1.1). The session decides whether to care.</summary>
    public bool ArgumentIsValidDomain { get; init; }

    /// <summary>MAIL FROM reverse-path or RCPT TO forward-path.</summary>
    public SmtpPath Path { get; init; }

    /// <summary>MAIL FROM parameters (null for other verbs).</summary>
    public SmtpMailParameters? MailParameters { get; init; }

    /// <summary>RCPT TO parameters (null for other verbs).</summary>
    public SmtpRcptParameters? RcptParameters { get; init; }

    /// <summary>BDAT chunk size in octets (RFC 3030 section 2).</summary>
    public long ChunkSize { get; init; }

    /// <summary>BDAT ... LAST.</summary>
    public bool IsLastChunk { get; init; }

    /// <summary>AUTH initial response as sent (base64, or "=" for an empty response, RFC 4954 section 4); null when absent.</summary>
    public string? InitialResponse { get; init; }
}

/// <summary>What kind of path a MAIL or RCPT command carried.</summary>
public enum SmtpPathKind
{
    /// <summary>No path (default value).</summary>
    None,
    /// <summary>The null reverse-path <c>&lt;&gt;</c> (bounces, RFC 5321 section 4.5.5).</summary>
    Null,
    /// <summary>RCPT TO:&lt;Postmaster&gt; without a domain (RFC 5321 section 4.1.1.3).</summary>
    Postmaster,
    /// <summary>local-part@domain or local-part@[address-literal].</summary>
    Mailbox,
}

/// <summary>
/// A reverse- or forward-path of RFC 5321 section 4.1.2 (with RFC 6531 UTF-8). A source route,
/// if any, has been parsed and dropped as RFC 5321 section 3.3 and appendix C require
/// ("MUST accept ... SHOULD ignore"); <see cref="HadSourceRoute"/> records that it was there.
/// </summary>
public readonly record struct SmtpPath
{
    /// <summary>The kind of path.</summary>
    public SmtpPathKind Kind { get; init; }

    /// <summary>The local part with quoting removed (quoted-pairs unescaped). "Postmaster" for <see cref="SmtpPathKind.Postmaster"/>.</summary>
    public string? LocalPart { get; init; }

    /// <summary>The domain as sent (U-labels kept, case kept), or the address literal with its brackets, e.g. "[192.0.2.1]".</summary>
    public string? Domain { get; init; }

    /// <summary>The IP address of an IPv4 or IPv6 address literal; null for domains and general literals.</summary>
    public IPAddress? AddressLiteral { get; init; }

    /// <summary>Whether the domain part was an address literal.</summary>
    public bool IsAddressLiteral { get; init; }

    /// <summary>Whether the local part was a Quoted-string. Relay checks must look at <see cref="LocalPart"/>, which may then contain '@' or '%'.</summary>
    public bool IsQuotedLocalPart { get; init; }

    /// <summary>Whether a source route (A-d-l) preceded the mailbox and was dropped.</summary>
    public bool HadSourceRoute { get; init; }

    /// <summary>Whether the path has non-ASCII characters, which needs SMTPUTF8 on the MAIL command (RFC 6531 section 3.4).</summary>
    public bool IsUtf8 { get; init; }

    /// <summary>The address as local@domain (local part re-quoted if needed), or empty for the null path.</summary>
    public string Address => Kind switch
    {
        SmtpPathKind.Mailbox => $"{(IsQuotedLocalPart ? Quote(LocalPart!) : LocalPart)}@{Domain}",
        SmtpPathKind.Postmaster => "Postmaster",
        _ => string.Empty,
    };

    /// <inheritdoc />
    public override string ToString() => $"<{Address}>";

    private static string Quote(string local) =>
        "\"" + local.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}

/// <summary>BODY= values, RFC 6152 and RFC 3030.</summary>
public enum SmtpBodyType
{
    /// <summary>No BODY parameter: 7BIT by RFC 5321, though 8BITMIME servers accept 8-bit anyway.</summary>
    NotSpecified,
    SevenBit,
    EightBitMime,
    /// <summary>BINARYMIME (RFC 3030 section 3): only with BDAT.</summary>
    BinaryMime,
}

/// <summary>DSN RET= values, RFC 3461 section 4.3.</summary>
public enum SmtpDsnReturn
{
    NotSpecified,
    Full,
    Headers,
}

/// <summary>DSN NOTIFY= values, RFC 3461 section 4.1.</summary>
[Flags]
public enum SmtpDsnNotify
{
    NotSpecified = 0,
    Never = 1,
    Success = 2,
    Failure = 4,
    Delay = 8,
}

/// <summary>Parameters of MAIL FROM. Values are validated for syntax only; the session checks them against its limits and advertised extensions.</summary>
public sealed record SmtpMailParameters
{
    /// <summary>SIZE= declared message size (RFC 1870), or null.</summary>
    public long? Size { get; init; }
    /// <summary>BODY= (RFC 6152, RFC 3030).</summary>
    public SmtpBodyType Body { get; init; }
    /// <summary>SMTPUTF8 present (RFC 6531 section 3.4).</summary>
    public bool SmtpUtf8 { get; init; }
    /// <summary>RET= (RFC 3461 section 4.3).</summary>
    public SmtpDsnReturn Return { get; init; }
    /// <summary>ENVID= decoded from xtext (RFC 3461 section 4.4), or null.</summary>
    public string? EnvelopeId { get; init; }
    /// <summary>AUTH= decoded from xtext (RFC 4954 section 5): "&lt;&gt;" or a mailbox; null when absent.</summary>
    public string? Auth { get; init; }
    /// <summary>REQUIRETLS present (RFC 8689 section 4).</summary>
    public bool RequireTls { get; init; }
}

/// <summary>Parameters of RCPT TO.</summary>
public sealed record SmtpRcptParameters
{
    /// <summary>NOTIFY= (RFC 3461 section 4.1).</summary>
    public SmtpDsnNotify Notify { get; init; }
    /// <summary>ORCPT address type, e.g. "rfc822" or "utf-8" (RFC 3461 section 4.2, RFC 6533), or null.</summary>
    public string? OriginalRecipientType { get; init; }
    /// <summary>ORCPT address as sent (still xtext-encoded for rfc822), or null.</summary>
    public string? OriginalRecipient { get; init; }
}
