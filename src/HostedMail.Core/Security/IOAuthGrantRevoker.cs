namespace HostedMail.Core.Security;

/// <summary>
/// Ends a mailbox's OAuth grants (authorizations with their access and refresh tokens) when its
/// credentials change or it stops being able to log in: a new password, disabled or deleted
/// (RFC 9700 section 4.14: a refresh token must not outlive the credentials it was granted with).
/// Implemented by HostedMail.Identity when the node runs the OAuth server.
/// </summary>
public interface IOAuthGrantRevoker
{
    /// <summary>Revokes every grant of the mailbox; returns how many authorizations it ended.</summary>
    Task<int> RevokeMailboxAsync(long tenantId, long mailboxId, string address, CancellationToken cancellationToken);
}
