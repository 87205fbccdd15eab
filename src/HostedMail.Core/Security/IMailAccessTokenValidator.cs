namespace HostedMail.Core.Security;

/// <summary>What a check of an OAuth 2.0 access token for the mail protocols found.</summary>
public enum MailAccessTokenStatus
{
    /// <summary>Signed by this service, current, not revoked, for the mail audience with the mail scope.</summary>
    Valid,

    /// <summary>Malformed, expired, revoked, for another audience or issuer (RFC 7628 "invalid_token").</summary>
    Invalid,

    /// <summary>A valid token without the mail scope (RFC 7628 "insufficient_scope").</summary>
    InsufficientScope,

    /// <summary>The check could not be made (database down): try later.</summary>
    Unavailable,
}

/// <summary>The outcome of <see cref="IMailAccessTokenValidator.ValidateAsync"/>; on success the mailbox the token was issued for.</summary>
public sealed record MailAccessTokenCheck(MailAccessTokenStatus Status, string? Address = null, long? TenantId = null, long? MailboxId = null)
{
    public static MailAccessTokenCheck Invalid { get; } = new(MailAccessTokenStatus.Invalid);
}

/// <summary>
/// Checks bearer tokens presented with SASL OAUTHBEARER/XOAUTH2 (implemented by the OAuth server
/// in HostedMail.Identity). Must see a revocation made on any node at once: it reads the token's
/// status from the shared record, not from a node's memory.
/// </summary>
public interface IMailAccessTokenValidator
{
    /// <summary>The discovery document's URL, named in RFC 7628 error challenges so a client can get a new token.</summary>
    string? OpenIdConfiguration { get; }

    /// <summary>Never throws for a bad token, only for cancellation.</summary>
    Task<MailAccessTokenCheck> ValidateAsync(string token, CancellationToken cancellationToken);
}
