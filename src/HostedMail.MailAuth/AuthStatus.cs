namespace HostedMail.MailAuth;

/// <summary>Result values named as in the RFC 8601 registry, shared by SPF, DKIM and DMARC results.</summary>
public enum AuthStatus
{
    /// <summary>No policy or signature to evaluate.</summary>
    None,
    /// <summary>Authorised or verified.</summary>
    Pass,
    /// <summary>Explicitly not authorised, or the signature did not verify.</summary>
    Fail,
    /// <summary>SPF only: probably not authorised (RFC 7208 section 2.6.5).</summary>
    SoftFail,
    /// <summary>No assertion (SPF), or a signature that could not be judged (DKIM).</summary>
    Neutral,
    /// <summary>A transient error, usually DNS; a later retry may succeed.</summary>
    TempError,
    /// <summary>A permanent error in the published records or the signature.</summary>
    PermError,
}

/// <summary>Conversions between <see cref="AuthStatus"/> and its RFC 8601 result keyword.</summary>
public static class AuthStatusNames
{
    /// <summary>The lowercase keyword used in Authentication-Results (e.g. "softfail", "temperror").</summary>
    public static string ToKeyword(this AuthStatus status) => status switch
    {
        AuthStatus.None => "none",
        AuthStatus.Pass => "pass",
        AuthStatus.Fail => "fail",
        AuthStatus.SoftFail => "softfail",
        AuthStatus.Neutral => "neutral",
        AuthStatus.TempError => "temperror",
        AuthStatus.PermError => "permerror",
        _ => "none",
    };

    /// <summary>Parses a keyword case-insensitively; RFC 4408 era "hardfail" is read as fail.</summary>
    public static bool TryParse(string keyword, out AuthStatus status)
    {
        switch (keyword.ToLowerInvariant())
        {
            case "none": status = AuthStatus.None; return true;
            case "pass": status = AuthStatus.Pass; return true;
            case "fail" or "hardfail": status = AuthStatus.Fail; return true;
            case "softfail": status = AuthStatus.SoftFail; return true;
            case "neutral": status = AuthStatus.Neutral; return true;
            case "temperror": status = AuthStatus.TempError; return true;
            case "permerror": status = AuthStatus.PermError; return true;
            default: status = AuthStatus.None; return false;
        }
    }
}
