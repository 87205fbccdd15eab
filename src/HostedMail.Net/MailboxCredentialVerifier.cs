using HostedMail.Core.Mailboxes;

namespace HostedMail.Net;

/// <summary>
/// Checks mailbox logins (SMTP AUTH, IMAP, POP3) against the database through
/// <see cref="MailboxService"/>; on success the principal is the <see cref="Mailbox"/>.
/// </summary>
public sealed class MailboxCredentialVerifier(MailboxService mailboxes) : ICredentialVerifier
{
    public async ValueTask<AuthResult> VerifyAsync(string username, string password, ConnectionInfo connection, CancellationToken cancellationToken)
    {
        try
        {
            var mailbox = await mailboxes.AuthenticateAsync(username, password, cancellationToken);
            return mailbox is null ? AuthResult.Failed : new AuthResult(AuthStatus.Succeeded, mailbox.Address, mailbox);
        }
        catch (System.Data.Common.DbException)
        {
            // The database did not answer: say "try later", not "wrong password".
            return AuthResult.TemporaryFailure;
        }
    }

    public async ValueTask<long?> CredentialStampAsync(string username, CancellationToken cancellationToken)
    {
        try
        {
            return await mailboxes.CredentialStampAsync(username, cancellationToken);
        }
        catch (System.Data.Common.DbException)
        {
            // No cached success is trusted; VerifyAsync then answers TemporaryFailure itself.
            return null;
        }
    }
}
