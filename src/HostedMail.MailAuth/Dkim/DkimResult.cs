namespace HostedMail.MailAuth.Dkim;

/// <summary>The verdict on one DKIM-Signature header field (RFC 6376 section 6, named per RFC 8601 section 2.7.1).</summary>
/// <param name="Status">Pass, Fail, Neutral, TempError or PermError.</param>
/// <param name="Reason">Why, for logs and Authentication-Results comments.</param>
public sealed record DkimResult(AuthStatus Status, string Reason)
{
    /// <summary>The signing domain (d=), or empty when the signature could not be parsed that far.</summary>
    public string Domain { get; init; } = string.Empty;

    /// <summary>The selector (s=).</summary>
    public string Selector { get; init; } = string.Empty;

    /// <summary>The agent or user identifier (i=), defaulting to "@" + d=.</summary>
    public string Identity { get; init; } = string.Empty;

    /// <summary>The algorithm (a=), e.g. "rsa-sha256".</summary>
    public string Algorithm { get; init; } = string.Empty;

    /// <summary>The signature data (b=) without whitespace; RFC 6008 header.b uses its first characters.</summary>
    public string SignatureData { get; init; } = string.Empty;

    /// <summary>True when l= limited the signed body, so content may have been appended after signing.</summary>
    public bool BodyLengthLimited { get; init; }

    /// <summary>True when the key record is flagged t=y (testing): receivers should not treat failures differently.</summary>
    public bool Testing { get; init; }

    /// <summary>Size of the public key in bits, when one was fetched.</summary>
    public int KeyBits { get; init; }
}

/// <summary>Limits and policy of <see cref="DkimVerifier"/>.</summary>
public sealed class DkimVerifierOptions
{
    /// <summary>Signatures verified per message; further ones are reported as PermError without work (a DoS bound).</summary>
    public int MaxSignatures { get; set; } = 8;

    /// <summary>RSA keys below this are rejected (RFC 8301 section 3.2: less than 1024 bits MUST NOT be considered valid).</summary>
    public int MinRsaKeyBits { get; set; } = 1024;

    /// <summary>RSA keys above this are rejected; RFC 8301 section 3.2 requires support up to 4096.</summary>
    public int MaxRsaKeyBits { get; set; } = 4096;

    /// <summary>Accept rsa-sha1 signatures; RFC 8301 section 3.1 says they MUST NOT be considered valid, kept for legacy mail.</summary>
    public bool AllowSha1 { get; set; } = true;

    /// <summary>Treat signatures with l= as Neutral instead of verifying the signed prefix.</summary>
    public bool RejectBodyLengthLimit { get; set; }

    /// <summary>Allowed clock skew when checking x= expiry.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);
}
